import { actionHandle, awaitOutcome, decideAction } from '@airlock/core/gateway';
import { verifyAuditChain } from '@airlock/db';
import { compilePolicy } from '@airlock/policy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { hold, releaseAllHolds, withHolds } from '../support/activity-holds.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { switchablePolicy } from '../support/switchable-policy.js';

// A cancellation (an operator's, a kill switch's) reaching an action that waits for people: the workflow closes the
// open round as cancelled with local activities, and the workflow task may end while they run (a status query, the
// task's heartbeat while one is slow). A decision arriving in the next task must be refused, not accepted and left
// unwritten; and a round being opened when the cancellation arrives must end closed, not open for ever.

let h: Harness;
const policy = switchablePolicy();

beforeAll(async () => {
  h = await startHarness({ deps: (db) => policy.deps(withHolds(db)) });
  await seedTeam(h.db);
});
// A failed case lets its held activity go, so the next cases (and the worker's shutdown) are not stuck behind it.
afterEach(() => {
  releaseAllHolds();
  policy.reset();
});
afterAll(async () => {
  await h?.close();
});

const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/** Until the workflow has completed a task since its cancellation was requested: the cancellation has reached it. */
async function untilCancellationTaken(actionId: string): Promise<void> {
  await expect
    .poll(
      async () => {
        const events = (await actionHandle(h.client, actionId).fetchHistory()).events ?? [];
        const requested = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
        return requested >= 0 && events.slice(requested).some((e) => e.workflowTaskCompletedEventAttributes);
      },
      { timeout: 30_000, interval: 100 },
    )
    .toBe(true);
}

async function stored(actionId: string) {
  const approvals = await h.db.prisma.approval.findMany({ where: { actionId }, orderBy: { round: 'asc' }, select: { round: true, status: true } });
  const decisions = await h.db.prisma.approvalDecision.findMany({
    where: { approval: { actionId } },
    orderBy: { decidedAt: 'asc' },
    select: { userId: true, decision: true, approval: { select: { round: true } } },
  });
  const audit = (await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' }, select: { type: true } })).map((e) => e.type);
  return { approvals, decisions: decisions.map((d) => ({ userId: d.userId, decision: d.decision, round: d.approval.round })), audit };
}

describe('a decision arriving while the cancellation closes the round', () => {
  it('is refused as closed: nobody is told "approved" of a decision that is never written', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    // The round's closing is held: the workflow task ends meanwhile (its heartbeat), and the decision reaches the next one.
    const closing = hold('closeApproval');
    await actionHandle(h.client, actionId).cancel();
    await closing.entered;
    const decided = await settle(decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash }));
    closing.release();

    expect(decided).toMatchObject({ ok: false, error: { closed: true, message: 'the action is being cancelled' } });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'cancelled', reason: 'the action was cancelled by an operator' });
    const { approvals, decisions, audit } = await stored(actionId);
    expect(approvals).toEqual([{ round: 1, status: 'cancelled' }]);
    expect(decisions).toEqual([]);
    expect(audit).not.toContain('approval.decision');
    expect(audit).not.toContain('tool.started');
    expect((await verifyAuditChain(h.db)).ok).toBe(true);
  });
});

describe('a cancellation arriving while an edit’s next round is opened', () => {
  it('lets the opening finish and closes that round as cancelled: no approval is left open', async () => {
    // Two approvals: an approver's edit ends round 1 and opens round 2 with the editor's approval carried into it.
    policy.use(
      compilePolicy(
        `apiVersion: airlock/v1\nrules:\n  - id: two-for-refunds\n    tools: [payments.refund]\n    tier: high\n    outcome: require_approval\n    reason: two approvers\n    approval: { quorum: 2 }\n`,
        'two-for-refunds.yaml',
      ),
    );
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '125.00' }));
    // Round 2's opening is held after its approval row is written, before its audit row.
    const opening = hold('openApproval');
    const edited = { paymentId: 'pay_123', amount: '100.00', currency: 'USD', reason: 'duplicate charge' };
    const editing = settle(decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash, editedArgs: edited }));
    await opening.entered;
    await actionHandle(h.client, actionId).cancel();
    await untilCancellationTaken(actionId);
    opening.release();

    expect(await editing).toMatchObject({ ok: true, value: { approvalStatus: 'approved' } });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'cancelled' });
    const { approvals, decisions, audit } = await stored(actionId);
    expect(approvals).toEqual([
      { round: 1, status: 'approved' },
      { round: 2, status: 'cancelled' },
    ]);
    // The editor's approval of round 1, and the one carried into round 2 (written before the round was closed).
    expect(decisions).toEqual([
      { userId: 'alice', decision: 'approve', round: 1 },
      { userId: 'alice', decision: 'approve', round: 2 },
    ]);
    expect(audit.filter((t) => t.startsWith('approval.'))).toEqual([
      'approval.opened',
      'approval.edit_classified',
      'approval.decision',
      'approval.approved',
      'approval.opened',
      'approval.decision',
      'approval.cancelled',
    ]);
    expect((await verifyAuditChain(h.db)).ok).toBe(true);
  });
});
