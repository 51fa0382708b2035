import { verifyAuditChain } from '@airlock/db';
import { awaitOutcome, decideAction, DecisionRejectedError, IdempotencyConflictError, actionHandle, submitAction } from '@airlock/core/gateway';
import { describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval, waitForStatus } from '../support/actions.js';
import { useSeededHarness } from '../support/harness.js';

const h = useSeededHarness();

async function auditTypes(actionId: string): Promise<string[]> {
  const rows = await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } });
  return rows.map((r) => r.type);
}

async function ledgerCount(idempotencyKey: string): Promise<number> {
  return h.db.prisma.ledgerEntry.count({ where: { idempotencyKey } });
}

describe('guardedAction on real Temporal and PostgreSQL', () => {
  it('runs a low-risk action without approval and audits every step', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, {
      agentId: 'billing-bot',
      tool: 'demo.echo',
      args: { message: 'hello' },
      rationale: 'smoke test',
      idempotencyKey: 'echo-1',
    });
    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome).toEqual({ status: 'executed', actionId, output: { message: 'hello' } });
    expect(await auditTypes(actionId)).toEqual(['action.requested', 'action.classified', 'tool.started', 'tool.succeeded', 'action.completed']);
    const row = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    expect(row.status).toBe('executed');
    expect(row.riskTier).toBe('low');
  });

  it('waits for a human, then runs the tool exactly once after approval', async () => {
    const request = refundRequest();
    const { actionId, argsHash, status } = await submitAndWaitForApproval(h.client, h.taskQueue, request);
    expect(status.classification?.tier).toBe('high');
    const result = await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash, comment: 'ok' });
    expect(result).toMatchObject({ accepted: true, approvalsSoFar: 1, requiredApprovals: 1, approvalStatus: 'approved' });
    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome.status).toBe('executed');
    expect(await ledgerCount(`${actionId}:run`)).toBe(1);
    expect(await auditTypes(actionId)).toEqual([
      'action.requested',
      'action.classified',
      'approval.opened',
      'approval.decision',
      'approval.approved',
      'action.rechecked',
      'tool.started',
      'tool.succeeded',
      'action.completed',
    ]);
    const decision = await h.db.prisma.approvalDecision.findFirstOrThrow({ where: { approval: { actionId } } });
    expect(decision).toMatchObject({ userId: 'alice', channel: 'api', decision: 'approve', comment: 'ok', argsHash });
  });

  it("opens round 1 in admission's commit: no openApproval step, the chain in the order it always had", async () => {
    const { actionId, status } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const history = await actionHandle(h.client, actionId).fetchHistory();
    const markers = (history.events ?? []).flatMap((e) => (e.markerRecordedEventAttributes ? [e.markerRecordedEventAttributes] : []));
    const markerText = markers.map(
      (m) =>
        `${m.markerName} ${Object.values(m.details ?? {})
          .map((p) => Buffer.from(p.payloads?.[0]?.data ?? []).toString('utf8'))
          .join(' ')}`,
    );
    expect(markerText.filter((t) => t.startsWith('core_local_activity'))).toEqual([]);
    // The one patch that stands for the approval path's (admission-opens-first-round among them), then the round's wait
    // acting only on answered decisions (asked on its own): workflows/src/patches.ts.
    expect(markerText.filter((t) => t.startsWith('core_patch'))).toEqual([
      expect.stringContaining('approval-path-patches-v1'),
      expect.stringContaining('round-ends-after-answers'),
    ]);
    const scheduled = (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []));
    expect(scheduled).toEqual(['admitAndRun']);

    // The round the workflow waits on is the one admission wrote, and the row says it waits.
    const approval = await h.db.prisma.approval.findUniqueOrThrow({ where: { actionId_round: { actionId, round: 1 } } });
    expect(status.approval).toMatchObject({ approvalId: approval.id, round: 1, deadline: approval.deadline?.toISOString() });
    expect(await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId }, select: { status: true } })).toEqual({ status: 'awaiting_approval' });
    expect(await auditTypes(actionId)).toEqual(['action.requested', 'action.classified', 'approval.opened']);
    const opened = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId, type: 'approval.opened' } });
    expect(opened.payload).toMatchObject({ approvalId: approval.id, round: 1, eligibleApprovers: ['alice', 'bob'] });
    expect(await verifyAuditChain(h.db)).toMatchObject({ ok: true });
    await decideAction(h.client, actionId, { approverId: 'alice', decision: 'deny', channel: 'api', argsHash: status.argsHash });
    expect((await awaitOutcome(h.client, actionId)).status).toBe('denied');
  });

  it('returns the reason and the feedback for the model on deny, and never runs the tool', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    await decideAction(h.client, actionId, {
      approverId: 'bob',
      decision: 'deny',
      channel: 'console',
      argsHash,
      comment: 'not a duplicate charge',
      feedback: 'Check the order history first; order 881 was charged once.',
    });
    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome).toEqual({
      status: 'denied',
      actionId,
      reason: 'not a duplicate charge',
      feedback: 'Check the order history first; order 881 was charged once.',
      deniedBy: 'bob',
    });
    expect(await ledgerCount(`${actionId}:run`)).toBe(0);
    expect(await auditTypes(actionId)).toContain('approval.denied');
  });

  it('rejects invalid decisions synchronously in the update validator', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ requestedBy: 'alice' }));
    const decide = (approverId: string, hash = argsHash) => decideAction(h.client, actionId, { approverId, decision: 'approve', channel: 'api', argsHash: hash });

    await expect(decide('alice')).rejects.toThrow('alice requested this action, so someone else must approve it');
    await expect(decide('owner')).rejects.toThrow('owner owns the agent that requested this action, so someone else must approve it');
    await expect(decide('victor')).rejects.toThrow(/"victor" is not an approver of this round/);
    await expect(decide('mallory')).rejects.toThrow(/"mallory" is not an approver of this round/);
    await expect(decide('bob', 'f'.repeat(64))).rejects.toThrow(/args hash mismatch/);
    await expect(decide('alice')).rejects.toBeInstanceOf(DecisionRejectedError);

    // None of the rejected attempts left a trace: still pending, no decision rows or audit rows.
    const status = await waitForStatus(h.client, actionId, () => true);
    expect(status.phase).toBe('awaiting_approval');
    expect(status.approval?.decisions).toEqual([]);
    expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(0);

    await decide('bob');
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
  });

  it('treats a duplicate decision as harmless: one decision row, one tool run', async () => {
    const request = refundRequest({ amount: '2500.00' });
    const { actionId, argsHash, status } = await submitAndWaitForApproval(h.client, h.taskQueue, request);
    expect(status.classification?.tier).toBe('critical');
    expect(status.approval?.requiredApprovals).toBe(2);
    const approve = (approverId: string) => decideAction(h.client, actionId, { approverId, decision: 'approve', channel: 'slack', argsHash });

    const [first, second] = await Promise.allSettled([approve('alice'), approve('alice')]);
    const fulfilled = [first, second].filter((r) => r.status === 'fulfilled');
    expect(fulfilled).toHaveLength(1);
    expect([first, second].find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.any(DecisionRejectedError) });
    // Typed, not read from the text: a second decision by the same person is "already decided"; a stranger's is a refusal.
    await expect(approve('alice')).rejects.toMatchObject({ closed: true, message: expect.stringMatching(/already decided/) });
    await expect(approve('mallory')).rejects.toMatchObject({ closed: false, message: expect.stringMatching(/is not an approver of this round/) });
    expect((await waitForStatus(h.client, actionId, () => true)).phase).toBe('awaiting_approval');

    const quorum = await approve('bob');
    expect(quorum).toMatchObject({ approvalsSoFar: 2, approvalStatus: 'approved' });
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    await expect(approve('owner')).rejects.toThrow(DecisionRejectedError);
    expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(2);
    expect(await ledgerCount(`${actionId}:run`)).toBe(1);
  });

  it('maps a repeated idempotency key to the same action, and refuses it with other arguments', async () => {
    const request = refundRequest({ amount: '10.00' });
    const first = await submitAction(h.client, h.taskQueue, request);
    const second = await submitAction(h.client, h.taskQueue, request);
    expect(second).toEqual({ ...first, created: false });
    expect((await awaitOutcome(h.client, first.actionId)).status).toBe('executed');
    const third = await submitAction(h.client, h.taskQueue, request);
    expect(third.actionId).toBe(first.actionId);
    expect(await ledgerCount(`${first.actionId}:run`)).toBe(1);
    expect(await h.db.prisma.action.count({ where: { idempotencyKey: request.idempotencyKey } })).toBe(1);

    await expect(submitAction(h.client, h.taskQueue, { ...request, args: { ...request.args, amount: '11.00' } })).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it('denies unknown tools and invalid arguments by default, naming the field', async () => {
    const unknown = await submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'db.drop_everything', args: {}, idempotencyKey: 'u-1' });
    expect(await awaitOutcome(h.client, unknown.actionId)).toMatchObject({ status: 'denied', reason: expect.stringMatching(/unknown tool/) });

    const invalid = await submitAction(h.client, h.taskQueue, refundRequest({ args: { paymentId: 'p', amount: '-5', currency: 'USD', reason: 'x' } }));
    expect(await awaitOutcome(h.client, invalid.actionId)).toMatchObject({
      status: 'denied',
      reason: expect.stringMatching(/args\.amount: a decimal amount/),
    });
  });

  it('reports a failing tool as failed, audited', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'demo.fail', args: { message: 'upstream said no' }, idempotencyKey: 'f-1' });
    expect(await awaitOutcome(h.client, actionId)).toEqual({ status: 'failed', actionId, error: 'upstream said no' });
    expect(await auditTypes(actionId)).toEqual(['action.requested', 'action.classified', 'tool.started', 'tool.failed', 'action.completed']);
  });

  it('cancels a pending approval cleanly when the workflow is cancelled', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    await actionHandle(h.client, actionId).cancel();
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'cancelled', actionId });
    const approval = await h.db.prisma.approval.findFirstOrThrow({ where: { actionId } });
    expect(approval.status).toBe('cancelled');
    expect(await auditTypes(actionId)).toEqual(['action.requested', 'action.classified', 'approval.opened', 'approval.cancelled', 'action.completed']);
    await expect(decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash })).rejects.toThrow(DecisionRejectedError);
  });

  it('keeps a pending approval across a worker stop; the decision made meanwhile runs the tool once', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    await h.worker.stop();
    // With no worker the update waits in Temporal; it completes once a worker returns.
    const decision = decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'console', argsHash });
    await new Promise((r) => setTimeout(r, 500));
    h.worker = await h.startWorker();
    await expect(decision).resolves.toMatchObject({ approvalStatus: 'approved' });
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    expect(await ledgerCount(`${actionId}:run`)).toBe(1);
    expect(await h.db.prisma.toolExecution.count({ where: { actionId } })).toBe(1);
  });

  it('leaves an audit chain that verifies', async () => {
    const verification = await verifyAuditChain(h.db);
    expect(verification).toMatchObject({ ok: true });
    expect(verification.checkedRows).toBeGreaterThan(30);
  });
});
