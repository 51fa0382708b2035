import { getAction, getApprovals, getOutcome, postAction, postDecision, schemas, type ApiContext } from '@airlock/console';
import { describe, expect, it } from 'vitest';
import { holdChain, untilChainWaiters } from '../support/audit-chain-lock.js';
import { apiRequest, expectError, expectJson, useApiHarness, waitForActionStatus } from './client.js';

const { h, ctx, keys } = useApiHarness();

let counter = 0;
/** Submits a refund through the API and waits until it is pending approval. */
async function pendingRefund(options: { amount?: string; requestedBy?: string; reason?: string } = {}) {
  const body = {
    tool: 'payments.refund',
    args: { paymentId: 'pay_9', amount: options.amount ?? '125.00', currency: 'EUR', reason: options.reason ?? 'damaged item' },
    rationale: 'Photo evidence attached to ticket 42.',
    idempotencyKey: `decide-${(counter += 1)}`,
    ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}),
  };
  const { actionId, argsHash } = await expectJson(postAction(apiRequest('/api/v1/actions', { key: keys.agent, body }), ctx), 202, schemas.SubmittedActionView);
  await waitForActionStatus(ctx, keys.agent, actionId, ['awaiting_approval']);
  return { actionId, argsHash };
}

const decide = (actionId: string, key: string | undefined, body: unknown) =>
  postDecision(apiRequest(`/api/v1/actions/${actionId}/decisions`, { key, body }), ctx, { id: actionId });
const decided = (actionId: string, key: string, body: unknown) => expectJson(decide(actionId, key, body), 200, schemas.DecideResultView);
const approvals = (key: string, query = '') => getApprovals(apiRequest(`/api/v1/approvals${query}`, { key }), ctx);
const openApprovals = async () => (await expectJson(approvals(keys.alice), 200, schemas.ApprovalList)).approvals;
const finalOutcome = (actionId: string) =>
  expectJson(getOutcome(apiRequest(`/api/v1/actions/${actionId}/outcome?waitMs=20000`, { key: keys.agent }), ctx, { id: actionId }), 200, schemas.ActionOutcome);

describe('GET /api/v1/approvals', () => {
  it('lists pending approvals with what a person needs to decide, for any role', async () => {
    const { actionId, argsHash } = await pendingRefund();
    const { approvals: listed } = await expectJson(approvals(keys.victor, '?status=open'), 200, schemas.ApprovalList);
    const item = listed.find((a) => a.actionId === actionId);
    expect(item).toMatchObject({
      status: 'open',
      agentId: 'billing-bot',
      tool: 'payments.refund',
      args: { amount: '125.00', currency: 'EUR' },
      argsHash,
      rationale: 'Photo evidence attached to ticket 42.',
      tier: 'high',
      reasons: [expect.stringMatching(/50\.00/)],
      approverRole: 'approver',
      quorum: { approvals: 0, required: 1, denials: 0 },
      decisions: [],
    });
    expect(Date.parse(item?.deadline ?? '')).toBeGreaterThan(Date.now());
  });

  it('refuses agent keys (403) and unknown statuses (400)', async () => {
    await expectError(approvals(keys.agent), 403, 'forbidden');
    const bad = await expectError(approvals(keys.alice, '?status=maybe'), 400, 'invalid_request');
    expect(bad.issues?.[0]?.path).toBe('status');
  });
});

describe('POST /api/v1/actions/:id/decisions', () => {
  it('approves as the key’s user over the api channel; the tool then runs', async () => {
    const { actionId, argsHash } = await pendingRefund();
    const result = await decided(actionId, keys.alice, { decision: 'approve', argsHash, comment: 'evidence checked' });
    expect(result).toEqual({ accepted: true, approvalsSoFar: 1, requiredApprovals: 1, approvalStatus: 'approved' });
    expect(await finalOutcome(actionId)).toMatchObject({ status: 'executed', actionId });

    const view = await expectJson(getAction(apiRequest(`/api/v1/actions/${actionId}`, { key: keys.bob }), ctx, { id: actionId }), 200, schemas.ActionView);
    expect(view).toMatchObject({
      status: 'executed',
      approval: {
        status: 'approved',
        quorum: { approvals: 1, required: 1 },
        decisions: [{ approverId: 'alice', decision: 'approve', channel: 'api', comment: 'evidence checked', argsHash }],
      },
    });
    expect((await openApprovals()).map((a) => a.actionId)).not.toContain(actionId);
  });

  it('returns the deny feedback to the agent in the outcome', async () => {
    const { actionId, argsHash } = await pendingRefund();
    const feedback = 'Refunds above 100 EUR need the order number; ask the customer for it.';
    expect(await decided(actionId, keys.bob, { decision: 'deny', argsHash, comment: 'no order number', feedback })).toMatchObject({
      approvalStatus: 'denied',
    });
    expect(await finalOutcome(actionId)).toEqual({ status: 'denied', actionId, reason: 'no order number', feedback, deniedBy: 'bob' });
  });

  it('counts quorum for a critical refund: two approvers needed', async () => {
    const { actionId, argsHash } = await pendingRefund({ amount: '2500.00' });
    expect(await decided(actionId, keys.alice, { decision: 'approve', argsHash })).toMatchObject({
      approvalsSoFar: 1,
      requiredApprovals: 2,
      approvalStatus: 'open',
    });
    expect((await openApprovals()).find((a) => a.actionId === actionId)).toMatchObject({ tier: 'critical', quorum: { approvals: 1, required: 2 } });
    const again = await expectError(decide(actionId, keys.alice, { decision: 'approve', argsHash }), 409, 'decision_rejected');
    expect(again.message).toMatch(/already decided/);
    expect(await decided(actionId, keys.bob, { decision: 'approve', argsHash })).toMatchObject({ approvalStatus: 'approved' });
    expect((await finalOutcome(actionId)).status).toBe('executed');
  });

  it('refuses self-approval, a stale args hash and a closed approval with 409 and the reason', async () => {
    const { actionId, argsHash } = await pendingRefund({ requestedBy: 'alice' });
    const ownAgent = await expectError(decide(actionId, keys.owner, { decision: 'approve', argsHash }), 409, 'decision_rejected');
    expect(ownAgent.message).toMatch(/^owner owns the agent that requested this action, so someone else must approve it$/);
    const ownRequest = await expectError(decide(actionId, keys.alice, { decision: 'approve', argsHash }), 409, 'decision_rejected');
    expect(ownRequest.message).toMatch(/^alice requested this action, so someone else must approve it$/);
    const stale = await expectError(decide(actionId, keys.bob, { decision: 'approve', argsHash: 'f'.repeat(64) }), 409, 'decision_rejected');
    expect(stale.message).toMatch(/args hash mismatch/);

    await decided(actionId, keys.bob, { decision: 'deny', argsHash });
    await finalOutcome(actionId);
    await expectError(decide(actionId, keys.bob, { decision: 'approve', argsHash }), 409, 'decision_rejected');
  });

  it('tells an approver who lost the race who decided the action and how (409)', async () => {
    const { actionId, argsHash } = await pendingRefund();
    await decided(actionId, keys.bob, { decision: 'approve', argsHash });
    const late = await expectError(decide(actionId, keys.alice, { decision: 'approve', argsHash }), 409, 'decision_rejected');
    expect(late.message).toBe('this action was already approved by bob (bob@example.test)');
  });

  it('names who closed the round while its closing write is still held, not after a wait for it', async () => {
    const { actionId, argsHash } = await pendingRefund();
    // The run writes bob's decision and the round's closing in one transaction that appends to the
    // audit chain: holding the chain's lock keeps both out of the database for as long as the test likes.
    const chain = await holdChain(h.db);
    let bobDecides: Promise<unknown> | undefined;
    try {
      bobDecides = decided(actionId, keys.bob, { decision: 'approve', argsHash });
      await untilChainWaiters(h.db, 1);
      const late = await expectError(decide(actionId, keys.alice, { decision: 'approve', argsHash }), 409, 'decision_rejected');
      expect(late.message).toBe('this action was already approved by bob (bob@example.test)');
      expect(await h.db.prisma.approval.findMany({ where: { actionId }, select: { status: true } })).toEqual([{ status: 'open' }]);
    } finally {
      await chain.release();
    }
    expect(await bobDecides).toMatchObject({ approvalStatus: 'approved' });
    expect((await finalOutcome(actionId)).status).toBe('executed');
  });

  it('refuses agents and viewers with 403 before Temporal: nothing is recorded', async () => {
    const { actionId, argsHash } = await pendingRefund();
    await expectError(decide(actionId, keys.agent, { decision: 'approve', argsHash }), 403, 'forbidden');
    const viewer = await expectError(decide(actionId, keys.victor, { decision: 'approve', argsHash }), 403, 'forbidden');
    expect(viewer.message).toMatch(/role viewer/);
    await expectError(decide(actionId, undefined, { decision: 'approve', argsHash }), 401, 'unauthenticated');
    await expectError(decide(actionId, keys.revoked, { decision: 'approve', argsHash }), 401, 'unauthenticated');
    expect(await h.db.prisma.auditEvent.count({ where: { actionId, type: 'approval.decision' } })).toBe(0);
    expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(0);
  });

  it('answers 503 when no worker can confirm the decision (the wait is bounded by decisionWaitMs, not by the test timeout)', async () => {
    const { actionId, argsHash } = await pendingRefund();
    await h.worker.stop();
    try {
      const impatient: ApiContext = { ...ctx, decisionWaitMs: 500 };
      const response = postDecision(apiRequest(`/api/v1/actions/${actionId}/decisions`, { key: keys.bob, body: { decision: 'approve', argsHash } }), impatient, {
        id: actionId,
      });
      const error = await expectError(response, 503, 'unavailable');
      expect(error.message).toMatch(/no worker confirmed the decision/);
    } finally {
      h.worker = await h.startWorker();
    }
  });

  it('answers 400 naming the field for a bad body, and 404 for an unknown action', async () => {
    const { actionId, argsHash } = await pendingRefund();
    const bad = await expectError(decide(actionId, keys.alice, { decision: 'maybe', argsHash }), 400, 'invalid_request');
    expect(bad.issues).toEqual([{ path: 'decision', message: expect.any(String) }]);
    // The approver is the key's user; a body cannot name someone else.
    await expectError(decide(actionId, keys.alice, { decision: 'approve', argsHash, approverId: 'bob' }), 400, 'invalid_request');
    // PostgreSQL text cannot hold NUL: refused here, not accepted by Temporal and then failing its write on every retry.
    const nul = await expectError(decide(actionId, keys.alice, { decision: 'deny', argsHash, feedback: 'stop\u0000' }), 400, 'invalid_request');
    expect(nul.issues).toEqual([{ path: 'feedback', message: 'must not contain NUL characters' }]);
    // Feedback goes to the model with a denial; with an approval it was stored and never read.
    const approvedWithFeedback = await expectError(
      decide(actionId, keys.alice, { decision: 'approve', argsHash, feedback: 'use a smaller amount next time' }),
      400,
      'invalid_request',
    );
    expect(approvedWithFeedback.issues).toEqual([{ path: 'feedback', message: 'only a denial returns feedback to the model; note why you approved in comment' }]);
    await expectError(decide('00000000-0000-5000-8000-000000000000', keys.alice, { decision: 'approve', argsHash }), 404, 'not_found');
  });

  it('keeps the value behind a redacted field the edit left as shown, and refuses a changed one with 400 naming the field', async () => {
    const original = 'damaged item, customer dana@example.test';
    const { actionId, argsHash } = await pendingRefund({ reason: original });
    const view = await expectJson(getAction(apiRequest(`/api/v1/actions/${actionId}`, { key: keys.alice }), ctx, { id: actionId }), 200, schemas.ActionView);
    // What an approver is shown, and so what an edit starts from.
    expect(view.args.reason).toBe('damaged item, customer [REDACTED:email]');

    // A redacted value changed around its placeholder has no original to put back: refused, after a viewer's 403.
    const reworded = { ...view.args, amount: '60.00', reason: 'refund [REDACTED:email] now' };
    await expectError(decide(actionId, keys.victor, { decision: 'approve', argsHash, editedArgs: reworded }), 403, 'forbidden');
    const refused = await expectError(decide(actionId, keys.alice, { decision: 'approve', argsHash, editedArgs: reworded }), 400, 'invalid_request');
    expect(refused.issues).toEqual([{ path: 'editedArgs.reason', message: expect.stringMatching(/^changed, yet still holds a redacted value/) }]);
    // A field named by a placeholder that was not shown there (redacted keys, guardrails' redactKey) stands for nothing.
    const unshownKey = { ...view.args, '[REDACTED:email]': 'x' };
    const refusedKey = await expectError(decide(actionId, keys.alice, { decision: 'approve', argsHash, editedArgs: unshownKey }), 400, 'invalid_request');
    expect(refusedKey.issues).toEqual([{ path: 'editedArgs.[REDACTED:email]', message: expect.stringMatching(/^changed, yet still holds a redacted value/) }]);
    expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(0);

    // Only the amount edited: the tool gets the agent's reason, not the placeholder.
    const result = await decided(actionId, keys.alice, { decision: 'approve', argsHash, editedArgs: { ...view.args, amount: '60.00' } });
    expect(result.accepted).toBe(true);
    const outcome = await finalOutcome(actionId);
    expect(outcome).toMatchObject({ status: 'executed', output: { amount: '60.00' } });
    const { entryId } = (outcome as { output: { entryId: string } }).output;
    expect((await h.db.prisma.ledgerEntry.findUniqueOrThrow({ where: { id: entryId } })).memo).toBe(original);
    // Stored and shown redacted as before.
    expect((await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).args).toMatchObject({ amount: '60.00', reason: 'damaged item, customer [REDACTED:email]' });
  });

  it('answers 401, 403 and a malformed id’s 404 before anything about the body, though it reads the body while it checks the key', async () => {
    const { actionId } = await pendingRefund();
    const raw = (id: string, key: string | undefined, rawBody: string) => postDecision(apiRequest(`/api/v1/actions/${id}/decisions`, { key, rawBody }), ctx, { id });
    const tooLarge = JSON.stringify({ decision: 'approve', comment: 'x'.repeat(2 * 1024 * 1024) });
    for (const body of ['{not json', tooLarge, JSON.stringify({ decision: 'maybe' })]) {
      await expectError(raw(actionId, undefined, body), 401, 'unauthenticated');
      await expectError(raw(actionId, keys.revoked, body), 401, 'unauthenticated');
      await expectError(raw(actionId, keys.agent, body), 403, 'forbidden');
      await expectError(raw('not-an-action-id', keys.alice, body), 404, 'not_found');
    }
    // With a good key, the body's own error.
    await expectError(raw(actionId, keys.alice, '{not json'), 400, 'invalid_json');
    await expectError(raw(actionId, keys.alice, tooLarge), 413, 'payload_too_large');
    const bad = await expectError(raw(actionId, keys.alice, JSON.stringify({ decision: 'maybe' })), 400, 'invalid_request');
    expect(bad.issues?.map((i) => i.path)).toContain('decision');
    expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(0);
  });
});
