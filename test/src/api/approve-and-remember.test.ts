import { getAction, getOutcome, postAction, postApproveAndRemember, schemas } from '@airlock/console';
import { describe, expect, it } from 'vitest';
import { apiRequest, expectError, expectJson, useApiHarness, waitForActionStatus } from './client.js';

const { h, ctx, keys } = useApiHarness();

let counter = 0;
const refund = (amount: string, currency = 'EUR') => ({ paymentId: 'pay_3', amount, currency, reason: 'damaged item' });

async function submit(args: Record<string, unknown>, requestedBy?: string) {
  const body = { tool: 'payments.refund', args, rationale: 'Ticket 7.', idempotencyKey: `remember-${(counter += 1)}`, ...(requestedBy ? { requestedBy } : {}) };
  return expectJson(postAction(apiRequest('/api/v1/actions', { key: keys.agent, body }), ctx), 202, schemas.SubmittedActionView);
}

async function pending(args: Record<string, unknown>, requestedBy?: string) {
  const submitted = await submit(args, requestedBy);
  await waitForActionStatus(ctx, keys.agent, submitted.actionId, ['awaiting_approval']);
  return submitted;
}

const remember = (actionId: string, key: string, body: unknown) =>
  postApproveAndRemember(apiRequest(`/api/v1/actions/${actionId}/approve-and-remember`, { key, body }), ctx, { id: actionId });
const outcome = (actionId: string) =>
  expectJson(getOutcome(apiRequest(`/api/v1/actions/${actionId}/outcome?waitMs=20000`, { key: keys.agent }), ctx, { id: actionId }), 200, schemas.ActionOutcome);
const readAction = (actionId: string) => expectJson(getAction(apiRequest(`/api/v1/actions/${actionId}`, { key: keys.bob }), ctx, { id: actionId }), 200, schemas.ActionView);
const grants = () => h.db.prisma.standingApproval.count();
const decisionsOn = (actionId: string) => h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } });

const upTo150Euros = {
  bounds: [
    { arg: 'amount', kind: 'at_most', value: '150.00' },
    { arg: 'currency', kind: 'same' },
  ],
  maxUses: 2,
  validForHours: 24,
};

describe('POST /api/v1/actions/:id/approve-and-remember', () => {
  it('approves this refund and grants one scoped from it: the next matching refund runs without waiting, one over the bound waits', async () => {
    const first = await pending(refund('125.00'));
    const body = { ...upTo150Euros, argsHash: first.argsHash, comment: 'same customer, same kind of refund' };
    const remembered = await expectJson(remember(first.actionId, keys.alice, body), 201, schemas.RememberedApprovalView);
    expect(remembered.decision).toMatchObject({ accepted: true, approvalStatus: 'approved', approvalsSoFar: 1, requiredApprovals: 1 });
    expect(remembered.standingApproval).toMatchObject({
      agentId: 'billing-bot',
      tool: 'payments.refund',
      condition: 'cents(args["amount"]) <= 15000 && args["currency"] == "EUR"',
      reason: `remembered from action ${first.actionId}`,
      grantedBy: 'alice',
      maxUses: 2,
      uses: 0,
      active: true,
    });
    expect(Date.parse(remembered.standingApproval.validUntil) - Date.parse(remembered.standingApproval.validFrom)).toBe(24 * 3_600_000);
    expect(await outcome(first.actionId)).toMatchObject({ status: 'executed' });

    // Audited as both, as alice, on this action's timeline.
    const audit = await h.db.prisma.auditEvent.findMany({
      where: { actionId: first.actionId, type: { in: ['approval.decision', 'standing_approval.granted'] } },
      orderBy: { seq: 'asc' },
    });
    expect(audit.map((e) => [e.type, e.actor])).toEqual([
      ['standing_approval.granted', 'user:alice'],
      ['approval.decision', 'user:alice'],
    ]);
    expect(audit[0]?.payload).toMatchObject({ grantId: remembered.standingApproval.id, fromActionId: first.actionId, maxUses: 2 });

    const covered = await submit(refund('140.00'));
    expect(await outcome(covered.actionId)).toMatchObject({ status: 'executed' });
    expect((await readAction(covered.actionId)).approval).toBeNull();
    const used = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId: covered.actionId, type: 'approval.standing_used' } });
    expect(used.payload).toEqual({ grantId: remembered.standingApproval.id });

    const overBound = await pending(refund('150.01'));
    const otherCurrency = await pending(refund('60.00', 'GBP'));
    expect((await readAction(overBound.actionId)).approval?.status).toBe('open');
    expect((await readAction(otherCurrency.actionId)).approval?.status).toBe('open');
    expect(await h.db.prisma.standingApproval.findUniqueOrThrow({ where: { id: remembered.standingApproval.id } })).toMatchObject({ uses: 1 });
  });

  it('refuses viewers and agents (403) and says why a grant would be refused before deciding: nothing is decided or granted', async () => {
    const action = await pending(refund('90.00', 'GBP'));
    const before = await grants();
    const body = { ...upTo150Euros, argsHash: action.argsHash };
    const viewer = await expectError(remember(action.actionId, keys.victor, body), 403, 'forbidden');
    expect(viewer.message).toMatch(/role viewer may not do this/);
    await expectError(remember(action.actionId, keys.agent, body), 403, 'forbidden');
    // The grant use case's own rule: an owner may not grant its own agent, said before the decision is sent.
    const owner = await expectError(remember(action.actionId, keys.owner, body), 403, 'forbidden');
    expect(owner.message).toMatch(/owner owns agent "billing-bot" and may not grant it standing approvals/);

    const unknownArg = await expectError(remember(action.actionId, keys.alice, { ...body, bounds: [{ arg: 'customer', kind: 'same' }] }), 400, 'invalid_request');
    expect(unknownArg.issues).toEqual([{ path: 'bounds.0', message: 'the action has no argument "customer"' }]);
    const wrongKind = await expectError(remember(action.actionId, keys.alice, { ...body, bounds: [{ arg: 'currency', kind: 'at_most', value: '10.00' }] }), 400, 'invalid_request');
    expect(wrongKind.issues?.[0]?.path).toBe('bounds.0');
    const badCap = await expectError(remember(action.actionId, keys.alice, { ...body, bounds: [{ arg: 'amount', kind: 'at_most', value: 'lots' }] }), 400, 'invalid_request');
    expect(badCap.message).toMatch(/bounds\.0: the cap for "amount" must be an amount like "125.00"/);
    const tooLong = await expectError(remember(action.actionId, keys.alice, { ...body, validForHours: 24 * 365 }), 400, 'invalid_request');
    expect(tooLong.issues?.map((i) => i.path)).toEqual(['validForHours']);

    expect(await grants()).toBe(before);
    expect(await decisionsOn(action.actionId)).toBe(0);
    expect((await readAction(action.actionId)).approval?.status).toBe('open');
  });

  it('bounds whose condition would be too long for a grant are refused (400 naming bounds) before deciding', async () => {
    // An argument bound `same` is written into the condition whole: 2,100 characters make one over the grant's 2,000.
    const body = { tool: 'demo.echo', args: { message: 'x'.repeat(2_100) }, rationale: 'Long.', idempotencyKey: `remember-${(counter += 1)}`, signals: { confidence: 0.5 } };
    const long = await expectJson(postAction(apiRequest('/api/v1/actions', { key: keys.agent, body }), ctx), 202, schemas.SubmittedActionView);
    await waitForActionStatus(ctx, keys.agent, long.actionId, ['awaiting_approval']);
    const before = await grants();
    const refused = await expectError(
      remember(long.actionId, keys.bob, { argsHash: long.argsHash, bounds: [{ arg: 'message', kind: 'same' }], maxUses: 1, validForHours: 1 }),
      400,
      'invalid_request',
    );
    expect(refused.issues).toEqual([{ path: 'bounds', message: expect.stringMatching(/condition these bounds make is too long/) as unknown }]);
    expect(await grants()).toBe(before);
    expect(await decisionsOn(long.actionId)).toBe(0);
    expect((await readAction(long.actionId)).approval?.status).toBe('open');
    // The action's id is the path's: one in the body is refused, not taken instead.
    const named = await expectError(
      remember(long.actionId, keys.bob, { actionId: 'other', argsHash: long.argsHash, bounds: [], maxUses: 1, validForHours: 1 }),
      400,
      'invalid_request',
    );
    expect(named.issues?.map((i) => i.path)).toEqual(['actionId']);
    expect(await decisionsOn(long.actionId)).toBe(0);
  });

  it('a decision the workflow refuses (self-approval, stale arguments) leaves no grant', async () => {
    const own = await pending(refund('95.00', 'GBP'), 'alice');
    const before = await grants();
    const self = await expectError(remember(own.actionId, keys.alice, { ...upTo150Euros, argsHash: own.argsHash }), 409, 'decision_rejected');
    expect(self.message).toMatch(/^alice requested this action, so someone else must approve it$/);
    const stale = await expectError(remember(own.actionId, keys.bob, { ...upTo150Euros, argsHash: 'f'.repeat(64) }), 409, 'decision_rejected');
    expect(stale.message).toMatch(/args hash mismatch/);
    expect(await grants()).toBe(before);
    expect(await h.db.prisma.auditEvent.count({ where: { actionId: own.actionId, type: 'standing_approval.granted' } })).toBe(0);
    expect((await readAction(own.actionId)).approval?.status).toBe('open');
  });

  it('refuses an action that needs two approvers, and one no longer awaiting a decision (409)', async () => {
    const large = await pending(refund('1500.00'));
    const quorum = await expectError(remember(large.actionId, keys.bob, { ...upTo150Euros, argsHash: large.argsHash }), 409, 'conflict');
    expect(quorum.message).toMatch(/needs 2 approvals; a standing approval only covers actions one person may approve/);
    const small = await submit(refund('10.00'));
    expect(await outcome(small.actionId)).toMatchObject({ status: 'executed' });
    const closed = await expectError(remember(small.actionId, keys.bob, { ...upTo150Euros, argsHash: small.argsHash }), 409, 'decision_rejected');
    expect(closed.message).toMatch(/not awaiting a decision/);
  });
});
