import { actionHandle, awaitOutcome, decideAction, submitAction } from '@airlock/core/gateway';
import { createAgent, verifyAuditChain } from '@airlock/db';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { refundRequest, waitForStatus } from '../support/actions.js';
import { useSeededHarness } from '../support/harness.js';
import { switchMidCommit, waitingAdvisoryLocks } from '../support/start-gate.js';

// An action its caller expects to wait for people (the REST handler's forecast) is
// admitted by a local activity inside its workflow's first task, which then waits:
// one workflow task per pending action, as a bare workflow waiting on an Update.
// A wrong forecast only costs time: the action is decided and run as any other.

const EventType = temporal.api.enums.v1.EventType;
const expectsApproval = () => true;

const h = useSeededHarness();

async function historyEvents(actionId: string) {
  return (await actionHandle(h.client, actionId).fetchHistory()).events ?? [];
}

const count = (events: temporal.api.history.v1.IHistoryEvent[], type: temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === type).length;

async function auditTypes(actionId: string): Promise<string[]> {
  return (await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' }, select: { type: true } })).map((e) => e.type);
}

describe('admission in the first workflow task', () => {
  it('waits for people after one workflow task and no activity, then runs once when approved', async () => {
    const { actionId, argsHash } = await submitAction(h.client, h.taskQueue, refundRequest(), { expectsApproval });
    // Read from the history, not by polling queries: with a query polled meanwhile, the recorded
    // agent-run-v7 history shows the first task completed before admission's marker and a second
    // task taking its answer (correct, and replayed by the replay test, but not one task).
    await expect.poll(async () => count(await historyEvents(actionId), EventType.EVENT_TYPE_TIMER_STARTED), { timeout: 30_000, interval: 50 }).toBe(1);
    const before = await historyEvents(actionId);
    expect(count(before, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(1);
    expect(count(before, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(0);
    // Admission's local activity and the one patch that chose it (standing for the round's wait acting only on answered decisions too).
    expect(count(before, EventType.EVENT_TYPE_MARKER_RECORDED)).toBe(2);
    const row = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId }, select: { status: true } });
    expect(row.status).toBe('awaiting_approval');
    expect((await waitForStatus(h.client, actionId, (s) => s.phase === 'awaiting_approval')).approval?.round).toBe(1);

    await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed' });
    const executions = await h.db.prisma.toolExecution.findMany({ where: { actionId }, select: { status: true } });
    expect(executions).toEqual([{ status: 'succeeded' }]);
    const audit = await auditTypes(actionId);
    expect(audit.slice(0, 3)).toEqual(['action.requested', 'action.classified', 'approval.opened']);
    for (const type of ['action.requested', 'approval.opened', 'approval.approved', 'tool.started', 'tool.succeeded', 'action.completed']) {
      expect(
        audit.filter((t) => t === type),
        type,
      ).toHaveLength(1);
    }
    expect(await verifyAuditChain(h.db)).toMatchObject({ ok: true });
  });

  it('runs an action the policy allows although approval was forecast: through runTool, audited as the fast path', async () => {
    const request = { agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'hi' }, idempotencyKey: `echo-${Date.now()}` };
    const { actionId } = await submitAction(h.client, h.taskQueue, request, { expectsApproval });
    expect(await awaitOutcome(h.client, actionId)).toEqual({ status: 'executed', actionId, output: { message: 'hi' } });

    const events = await historyEvents(actionId);
    const scheduled = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(scheduled).toEqual(['runTool']);
    expect(await auditTypes(actionId)).toEqual(['action.requested', 'action.classified', 'tool.started', 'tool.succeeded', 'action.completed']);
    const action = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId }, select: { status: true } });
    expect(action.status).toBe('executed');
  });

  it('denies what the policy denies, with nothing run', async () => {
    const request = { agentId: 'billing-bot', tool: 'nobody.registered', args: {}, idempotencyKey: `deny-${Date.now()}` };
    const { actionId } = await submitAction(h.client, h.taskQueue, request, { expectsApproval });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'denied', deniedBy: 'policy' });
    expect(await h.db.prisma.toolExecution.count({ where: { actionId } })).toBe(0);
    expect(count(await historyEvents(actionId), EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(0);
  });

  it('meets a kill switch being committed: waits for it under the start gate, then denies with no round opened', async () => {
    await createAgent(h.db, { id: 'first-task-gate', team: 'billing', allowedTools: ['payments.*'] });
    const held = await switchMidCommit(h.db, 'first-task-gate', 'incident 31');
    let actionId: string;
    try {
      ({ actionId } = await submitAction(h.client, h.taskQueue, refundRequest({ agentId: 'first-task-gate' }), { expectsApproval }));
      // Admission queues behind the switch (pg_locks, not timing): nothing of it is stored meanwhile.
      await expect.poll(() => waitingAdvisoryLocks(h.db), { timeout: 60_000, interval: 50 }).toBeGreaterThan(0);
      expect(await h.db.prisma.action.count({ where: { id: actionId } })).toBe(0);
    } finally {
      await held.commit();
    }
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'denied', reason: expect.stringMatching(/incident 31/) });
    expect(await h.db.prisma.approval.count({ where: { actionId } })).toBe(0);
  });

  it('leaves an action without a forecast to the fast path’s activity', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, refundRequest());
    await waitForStatus(h.client, actionId, (s) => s.phase === 'awaiting_approval');
    const scheduled = (await historyEvents(actionId)).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(scheduled).toEqual(['admitAndRun']);
  });
});
