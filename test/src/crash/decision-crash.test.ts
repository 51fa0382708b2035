import { KILL_POINTS, type KillPoint } from '@airlock/activities';
import { awaitOutcome, decideAction, submitAction, type SubmitOptions } from '@airlock/core/gateway';
import { createBudget, verifyAuditChain } from '@airlock/db';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, waitForStatus } from '../support/actions.js';
import { acceptedUpdates, CrashRig } from './crash-rig.js';

// Issue 11, item 1: an approval caught by a crash was shown as approved (decision
// row, audit rows, approval closed) but never ran, because the decision was written
// by a local activity inside the workflow task that accepted the update: the
// database saw it before Temporal did. Here the worker SIGKILLs itself at each step
// of the decision path (before, between and after each write), the Temporal server
// is SIGKILLed right after (as `npm start` dies whole, losing updates not yet
// accepted), both start again, and the database, the audit log, the approval
// record, the outcome and the Temporal history must agree: the decision is either
// applied (and the refund runs once) or visibly not applied (the action is still
// open, and deciding again runs it).
//
// `npm test` runs the steps around the decision write; `npm run test:crash`
// (AIRLOCK_CRASH_POINTS=all) runs every kill point.
const QUICK: readonly KillPoint[] = ['decision.after-write', 'close.after-write'];
const all = process.env.AIRLOCK_CRASH_POINTS === 'all';
const isAdmissionPoint = (p: KillPoint) => p.startsWith('admission.');
// The report, compensation and escalation paths have suites of their own (report-, compensation-, timeout-crash.test.ts).
const isDecisionPath = (p: KillPoint) => !/^(escalate|report|compensation)\./.test(p);
const points: readonly KillPoint[] = all ? KILL_POINTS.filter((p) => isDecisionPath(p) && !isAdmissionPoint(p)) : QUICK;
// Around the commit of an admission that opens round 1: all of it or none of it, never a half-opened round.
const admissionPoints: readonly KillPoint[] = all ? KILL_POINTS.filter(isAdmissionPoint) : ['admission.after-commit'];

let rig: CrashRig;
const taskQueue = 'airlock-crash';

beforeAll(async () => {
  rig = await CrashRig.create(taskQueue, { order: [...points, ...admissionCases.map((c) => c.point)] });
  // Money reserved: the approved run completes the action and commits it in one transaction (`complete.*` around it).
  await createBudget(rig.database.db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '100000.00' });
});

afterAll(async () => {
  await rig?.close();
});

/** Whether Temporal durably accepted a `decide` update from this approver. */
const acceptedDecisions = (client: Client, actionId: string) => acceptedUpdates(client, actionId, 'decide');

async function snapshot(actionId: string) {
  const { db } = rig.database;
  const action = await db.prisma.action.findUniqueOrThrow({ where: { id: actionId }, select: { status: true, outcome: true } });
  const approvals = await db.prisma.approval.findMany({ where: { actionId }, select: { id: true, status: true, closedAt: true } });
  const decisions = await db.prisma.approvalDecision.findMany({ where: { approvalId: { in: approvals.map((a) => a.id) } }, select: { userId: true, decision: true } });
  const audit = (await db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' }, select: { type: true } })).map((e) => e.type);
  const executions = await db.prisma.toolExecution.findMany({ where: { actionId }, select: { status: true } });
  const ledger = await db.prisma.ledgerEntry.count({ where: { idempotencyKey: `${actionId}:run` } });
  return { action, approvals, decisions, audit, executions, ledger };
}

/** A worker that dies at `point`, and the refund the test follows; a failure prints the phase and the worker's output. */
async function startAndSubmit(point: KillPoint, progress: { phase: string }, options: SubmitOptions = {}) {
  const dying = await rig.startDying(point, progress);
  const connection = await rig.connect();
  const key = `crash-${point}${options.expectsApproval ? '-first-task' : ''}`;
  const submitted = await submitAction(connection.client, rig.taskQueue, refundRequest({ amount: '80.00', idempotencyKey: key }), options);
  return { ...connection, submitted, dying };
}

describe('SIGKILL at every step of the decision path', () => {
  it.each(points)(
    'kill at %s: the database, the audit log and Temporal agree after the restart',
    async (point) => {
      const progress = { phase: 'start' };
      const started = await startAndSubmit(point, progress);
      const { client, close } = started;
      const { actionId, argsHash } = started.submitted;
      await waitForStatus(client, actionId, (s) => s.phase === 'awaiting_approval', 60_000);

      progress.phase = 'deciding until the kill point';
      const first = decideAction(client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash }).then(
        () => 'answered' as const,
        () => 'failed' as const,
      );
      // The worker dies at the kill point, or the action ends without reaching it (a test that cannot kill there fails at once).
      expect(await rig.killed(actionId, started.dying, point)).toBe('SIGKILL');
      await rig.killServer();
      const firstAnswer = await first;
      await close();

      progress.phase = 'restart';
      await rig.afterRestart(async (client) => {
        const accepted = await acceptedDecisions(client, actionId);
        // An answered decision is a durable one.
        if (firstAnswer === 'answered') expect(accepted.length).toBe(1);
        if (accepted.length === 0) {
          progress.phase = 'not applied: visibly open';
          const open = await snapshot(actionId);
          expect(open.action.status).toBe('awaiting_approval');
          expect(open.action.outcome).toBeNull();
          expect(open.approvals.map((a) => [a.status, a.closedAt])).toEqual([['open', null]]);
          expect(open.decisions).toEqual([]);
          expect(open.audit).not.toContain('approval.decision');
          expect(open.audit).not.toContain('approval.approved');
          expect(open.audit).not.toContain('action.rechecked');
          // The workflow agrees (a freshly started worker may take a while to answer its first query).
          expect((await waitForStatus(client, actionId, () => true, 180_000)).phase).toBe('awaiting_approval');
          progress.phase = 'deciding again';
          await decideAction(client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
        }

        progress.phase = 'applied: runs once';
        const outcome = await awaitOutcome(client, actionId);
        expect(outcome.status).toBe('executed');
        const done = await snapshot(actionId);
        expect(done.action.status).toBe('executed');
        expect(done.action.outcome).toMatchObject({ status: 'executed' });
        expect(done.approvals.map((a) => a.status)).toEqual(['approved']);
        expect(done.approvals[0]!.closedAt).not.toBeNull();
        expect(done.decisions).toEqual([{ userId: 'alice', decision: 'approve' }]);
        expect(done.executions.map((e) => e.status)).toEqual(['succeeded']);
        expect(done.ledger).toBe(1);
        const once = (type: string) => done.audit.filter((t) => t === type).length;
        for (const type of ['approval.decision', 'approval.approved', 'action.rechecked', 'tool.started', 'tool.succeeded', 'action.completed']) {
          expect(once(type), type).toBe(1);
        }
        expect(done.audit).not.toContain('approval.timed_out');
        expect(done.audit.indexOf('approval.decision')).toBeLessThan(done.audit.indexOf('approval.approved'));
        expect(done.audit.indexOf('approval.approved')).toBeLessThan(done.audit.indexOf('tool.started'));
        expect(await acceptedDecisions(client, actionId)).toHaveLength(1);
        expect(await verifyAuditChain(rig.database.db)).toMatchObject({ ok: true });
      });
    },
    900_000,
  );
});

// Admission in an activity of its own, or (approval forecast) in the first workflow task: there its
// commit precedes the completion of the task that ran it, and the retried task must find it.
const admissionCases = admissionPoints.flatMap((point) => [
  { point, admission: 'its activity', options: {} },
  { point, admission: 'the first workflow task', options: { expectsApproval: () => true } },
]);

describe('SIGKILL around the commit of an admission that opens round 1', () => {
  it.each(admissionCases)(
    "kill at $point, admission in $admission: after the restart the round is open once, its row after admission's, and deciding runs it once",
    async ({ point, options }) => {
      const progress = { phase: 'start' };
      const started = await startAndSubmit(point, progress, options);
      const { actionId, argsHash } = started.submitted;
      expect((await started.dying.exited).signal).toBe('SIGKILL');
      await started.close();

      progress.phase = 'restart';
      await rig.afterRestart(async (client) => {
        // A retried admission finds the round the first attempt committed, or opens it itself.
        expect((await waitForStatus(client, actionId, (s) => s.phase === 'awaiting_approval', 180_000)).phase).toBe('awaiting_approval');
        const open = await snapshot(actionId);
        expect(open.action.status).toBe('awaiting_approval');
        expect(open.approvals.map((a) => [a.status, a.closedAt])).toEqual([['open', null]]);
        expect(open.audit.filter((t) => t === 'approval.opened')).toHaveLength(1);
        expect(open.audit.at(-1)).toBe('approval.opened');
        expect(open.audit.at(-2)).toBe('action.classified');
        expect(await verifyAuditChain(rig.database.db)).toMatchObject({ ok: true });

        progress.phase = 'deciding';
        await decideAction(client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
        expect((await awaitOutcome(client, actionId)).status).toBe('executed');
        const done = await snapshot(actionId);
        expect(done.executions.map((e) => e.status)).toEqual(['succeeded']);
        expect(done.ledger).toBe(1);
        expect(await verifyAuditChain(rig.database.db)).toMatchObject({ ok: true });
      });
    },
    900_000,
  );
});
