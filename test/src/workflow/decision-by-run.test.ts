import { defaultActivityDeps, type KillPoint } from '@airlock/activities';
import { actionHandle, awaitOutcome, decideAction } from '@airlock/core/gateway';
import { verifyAuditChain } from '@airlock/db';
import { AuditFeed } from '@airlock/console';
import type { ActionWatch } from '@airlock/core/agent-gateway';
import { decide, userOperator, type DecisionDeps } from '@airlock/ops';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { defaultPolicy, useSeededHarness } from '../support/harness.js';

// Issue 14: a plain approval that settles its round is written by the run it lets
// start (patch `decision-recorded-by-run`), so one workflow task, not two, lies
// between a decision and the tool. These tests pin what that must not cost: the
// decision is written before the tool starts, `decide` through the use-case layer
// answers only once it is stored, and a run that never writes it (failed or
// cancelled first) leaves the workflow to write it.

/** How the next runs fail at their first write, before anything is written. */
let runsFail: 'no' | 'once' | 'retryable' | 'for_good' = 'no';
let failedRuns = 0;

function failRunsAtFirstWrite(point: KillPoint): void {
  if (runsFail === 'no' || point !== 'decision.before-write' || Context.current().info.activityType !== 'runTool') return;
  if (runsFail === 'once' && failedRuns > 0) return;
  failedRuns++;
  if (runsFail === 'for_good') throw ApplicationFailure.nonRetryable('the run could not start (test)', 'ToolFailed');
  throw new Error('the database is unreachable (test)');
}

const h = useSeededHarness({ deps: (db) => ({ ...defaultActivityDeps(db, defaultPolicy()), killPoint: failRunsAtFirstWrite }) });

async function stored(actionId: string) {
  const approval = await h.db.prisma.approval.findFirstOrThrow({ where: { actionId }, select: { id: true, status: true } });
  const decisions = await h.db.prisma.approvalDecision.findMany({ where: { approvalId: approval.id }, select: { userId: true, decision: true } });
  const audit = (await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' }, select: { type: true } })).map((e) => e.type);
  return { approval: approval.status, decisions, audit };
}

/**
 * What lies between the update's acceptance and the run being scheduled: workflow tasks started,
 * activities scheduled, and patch events (a `patched()` of a new workflow records a marker and a
 * TemporalChangeVersion upsert; the approval path's are recorded once, before, workflows/src/patches.ts).
 */
async function decisionToRun(actionId: string): Promise<{ workflowTasks: number; activities: string[]; patchEvents: number }> {
  const events = (await actionHandle(h.client, actionId).fetchHistory()).events ?? [];
  const accepted = events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  const run = events.findIndex((e, i) => i > accepted && e.activityTaskScheduledEventAttributes?.activityType?.name === 'runTool');
  expect(accepted).toBeGreaterThan(0);
  expect(run).toBeGreaterThan(accepted);
  const between = events.slice(accepted, run + 1);
  return {
    workflowTasks: between.filter((e) => e.workflowTaskStartedEventAttributes).length,
    activities: between.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name ?? '?'] : [])),
    patchEvents: between.filter((e) => e.markerRecordedEventAttributes || e.upsertWorkflowSearchAttributesEventAttributes).length,
  };
}

describe('an approval that settles its round is written by the run it lets start', () => {
  it('reaches the run in the workflow task that accepts it, and is stored before the tool starts', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');

    // Scheduled in the task that accepted the decision: no recordDecision activity, no second task, no patch marker.
    expect(await decisionToRun(actionId)).toEqual({ workflowTasks: 0, activities: ['runTool'], patchEvents: 0 });
    const { approval, decisions, audit } = await stored(actionId);
    expect(approval).toBe('approved');
    expect(decisions).toEqual([{ userId: 'alice', decision: 'approve' }]);
    expect(audit.slice(audit.indexOf('approval.decision'), audit.indexOf('tool.started') + 1)).toEqual([
      'approval.decision',
      'approval.approved',
      'action.rechecked',
      'tool.started',
    ]);
    expect((await verifyAuditChain(h.db)).ok).toBe(true);
  });

  it('answers through the use-case layer only once the decision is stored', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const result = await decide({ db: h.db, temporal: h.client }, userOperator({ id: 'alice', role: 'approver' }, 'api'), { actionId, decision: 'approve', argsHash });
    expect(result.approvalStatus).toBe('approved');
    // Read at once: no wait here, the use case waited.
    expect((await stored(actionId)).decisions).toEqual([{ userId: 'alice', decision: 'approve' }]);
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
  });

  describe('with a watch on the audit log (the console passes its audit feed)', () => {
    const alice = userOperator({ id: 'alice', role: 'approver' }, 'api');

    /** Approves through the use case while the run's first attempt fails before writing: the decision is stored a retry later. */
    async function approveStoredLater(deps: DecisionDeps) {
      const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
      runsFail = 'once';
      failedRuns = 0;
      try {
        const result = await decide(deps, alice, { actionId, decision: 'approve', argsHash });
        expect(result.approvalStatus).toBe('approved');
        // Read at once: the use case waited through the failed attempt and its retry.
        expect(failedRuns).toBe(1);
        expect((await stored(actionId)).decisions).toEqual([{ userId: 'alice', decision: 'approve' }]);
      } finally {
        runsFail = 'no';
      }
      expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    }

    it("answers once the decision is stored, woken by the decision's audit row", async () => {
      const feed = new AuditFeed(h.db, h.database.url);
      // The console's real feed, its rows seen on their way to the wait (which wakes only on approval.decision: unit-tested).
      const delivered: string[] = [];
      const watch: ActionWatch = { watch: (id, wake) => feed.watch(id, (type) => (delivered.push(type), wake(type))) };
      try {
        await approveStoredLater({ db: h.db, temporal: h.client, watch });
        expect(delivered).toContain('approval.decision');
      } finally {
        feed.close();
      }
    });

    it('answers once the decision is stored when no audit row wakes it (the watch is best effort)', async () => {
      const silent: ActionWatch = { watch: () => Promise.resolve(() => undefined) };
      await approveStoredLater({ db: h.db, temporal: h.client, watch: silent });
    });

    it('watches an approval from before its update until it answers, and never a denial', async () => {
      const started: string[] = [];
      let open = 0;
      const counting: ActionWatch = {
        watch: (actionId) => {
          started.push(actionId);
          open++;
          return Promise.resolve(() => void open--);
        },
      };
      const approved = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
      await decide({ db: h.db, temporal: h.client, watch: counting }, alice, { actionId: approved.actionId, decision: 'approve', argsHash: approved.argsHash });
      expect(started).toEqual([approved.actionId]);
      // Released as the answer goes out (the release does not wait for anything but the watch's start).
      await expect.poll(() => open).toBe(0);

      const denied = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
      await decide({ db: h.db, temporal: h.client, watch: counting }, alice, { actionId: denied.actionId, decision: 'deny', argsHash: denied.argsHash });
      expect(started).toEqual([approved.actionId]);
      expect((await awaitOutcome(h.client, denied.actionId)).status).toBe('denied');
      expect((await awaitOutcome(h.client, approved.actionId)).status).toBe('executed');
    });
  });

  it('answers as soon as Temporal accepts it when the channel does not wait for it to be stored (Slack)', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    runsFail = 'retryable';
    failedRuns = 0;
    const watched: string[] = [];
    const watch: ActionWatch = { watch: (id) => (watched.push(id), Promise.resolve(() => undefined)) };
    try {
      const result = await decide({ db: h.db, temporal: h.client, watch, awaitStored: false }, userOperator({ id: 'alice', role: 'approver' }, 'slack'), {
        actionId,
        decision: 'approve',
        argsHash,
      });
      expect(result.approvalStatus).toBe('approved');
      // Answered while every run fails before writing: the decision is only in Temporal, and nothing waited for it.
      expect((await stored(actionId)).decisions).toEqual([]);
      expect(watched).toEqual([]);
    } finally {
      runsFail = 'no';
    }
    // The next attempt stores it and runs the tool.
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    expect((await stored(actionId)).decisions).toEqual([{ userId: 'alice', decision: 'approve' }]);
  });

  it('is written by the workflow when the run fails before writing it', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    runsFail = 'for_good';
    try {
      await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
      const outcome = await awaitOutcome(h.client, actionId);
      expect(outcome).toMatchObject({ status: 'failed', error: 'the run could not start (test)' });
    } finally {
      runsFail = 'no';
    }
    const { approval, decisions, audit } = await stored(actionId);
    expect(approval).toBe('approved');
    expect(decisions).toEqual([{ userId: 'alice', decision: 'approve' }]);
    expect(audit).toContain('approval.decision');
    expect(audit).not.toContain('tool.started');
    expect(await h.db.prisma.ledgerEntry.count({ where: { idempotencyKey: `${actionId}:run` } })).toBe(0);
  });

  it('is written by the workflow when the action is cancelled before the run wrote it', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    runsFail = 'retryable';
    failedRuns = 0;
    try {
      await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
      // The run keeps failing at its first write; the decision is only in Temporal.
      await expect.poll(() => failedRuns, { timeout: 30_000 }).toBeGreaterThan(0);
      expect((await stored(actionId)).decisions).toEqual([]);
      await actionHandle(h.client, actionId).cancel();
      const outcome = await awaitOutcome(h.client, actionId);
      expect(outcome.status).toBe('cancelled');
    } finally {
      runsFail = 'no';
    }
    const { approval, decisions, audit } = await stored(actionId);
    expect(approval).toBe('approved');
    expect(decisions).toEqual([{ userId: 'alice', decision: 'approve' }]);
    expect(audit.filter((t) => t.startsWith('approval.'))).toEqual(['approval.opened', 'approval.decision', 'approval.approved']);
    expect(audit).not.toContain('tool.started');
    expect((await verifyAuditChain(h.db)).ok).toBe(true);
  });
});
