import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { OpsError, approveAndRemember, conditionFromBounds, userOperator, type RememberBound } from '@airlock/ops';
import { compileCondition, createPolicyEnvironment, type PolicyProblem } from '@airlock/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval, waitForStatus } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { seededActivities } from '../support/seeded-activities.js';

/** Evaluates a grant's condition exactly as admission does (same environment, same context shape). */
function grantMatches(condition: string, args: Record<string, unknown>): boolean {
  const problems: PolicyProblem[] = [];
  const matches = compileCondition(createPolicyEnvironment(), condition, 'condition', undefined, problems);
  expect(problems).toEqual([]);
  return matches({ tool: 'payments.refund', args, agent: { id: 'billing-bot', team: 'billing', owner: null }, rationale: '', result: {} });
}

describe('bounds of a remembered approval', () => {
  const action = { paymentId: 'pay_"7"', amount: '125.00', currency: 'USD', retries: 3, dryRun: false, note: 'call [REDACTED:phone]', meta: { a: 1 } };

  it('turns each bound into a CEL clause that holds for the action and as far as the approver chose', () => {
    const bounds: RememberBound[] = [
      { arg: 'amount', kind: 'at_most', value: '200.00' },
      { arg: 'currency', kind: 'same' },
      { arg: 'paymentId', kind: 'same' },
      { arg: 'retries', kind: 'at_most', value: 5 },
      { arg: 'dryRun', kind: 'same' },
    ];
    const condition = conditionFromBounds(action, bounds);
    expect(condition).toBe(
      'cents(args["amount"]) <= 20000 && args["currency"] == "USD" && args["paymentId"] == "pay_\\"7\\"" && type(args["retries"]) in [int, double] && double(args["retries"]) >= 0.0 && double(args["retries"]) <= 5.0 && args["dryRun"] == false',
    );
    expect(grantMatches(condition, action)).toBe(true);
    expect(grantMatches(condition, { ...action, amount: '200.00', retries: 5 })).toBe(true);
    expect(grantMatches(condition, { ...action, amount: '200.01' })).toBe(false);
    expect(grantMatches(condition, { ...action, currency: 'EUR' })).toBe(false);
    expect(grantMatches(condition, { ...action, paymentId: 'pay_8' })).toBe(false);
    expect(grantMatches(condition, { ...action, retries: 6 })).toBe(false);
    expect(grantMatches(condition, { ...action, retries: -100 })).toBe(false);
    expect(grantMatches(condition, { ...action, dryRun: true })).toBe(false);
    expect(conditionFromBounds(action, [])).toBe('true');
    expect(grantMatches(conditionFromBounds(action, [{ arg: 'retries', kind: 'same' }]), action)).toBe(true);
  });

  it('refuses, naming the bound, what it cannot bind to', () => {
    const refusal = (bounds: RememberBound[]) => {
      try {
        conditionFromBounds(action, bounds);
      } catch (error) {
        expect(error).toBeInstanceOf(OpsError);
        return (error as OpsError).issues;
      }
      throw new Error('not refused');
    };
    expect(refusal([{ arg: 'customer', kind: 'same' }])).toEqual([{ path: 'bounds.0', message: 'the action has no argument "customer"' }]);
    expect(
      refusal([
        { arg: 'amount', kind: 'same' },
        { arg: 'note', kind: 'same' },
      ]),
    ).toEqual([{ path: 'bounds.1', message: '"note" was redacted before storage, so there is no value to bind to' }]);
    expect(refusal([{ arg: 'meta', kind: 'same' }])[0]?.message).toBe('"meta" cannot take an same bound');
    expect(refusal([{ arg: 'currency', kind: 'at_most', value: '1.00' }])[0]?.message).toBe('"currency" cannot take an at_most bound');
    expect(refusal([{ arg: 'amount', kind: 'at_most', value: '1.005' }])[0]?.message).toBe('the cap for "amount" must be an amount like "125.00"');
    expect(
      refusal([
        { arg: 'amount', kind: 'same' },
        { arg: 'amount', kind: 'same' },
      ])[0],
    ).toEqual({ path: 'bounds.1', message: '"amount" is bound twice' });
  });
});

describe('approveAndRemember against real Temporal and PostgreSQL', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await seedTeam(h.db);
  });
  afterAll(async () => {
    await h?.close();
  });
  const deps = () => ({ db: h.db, temporal: h.client });
  const scope = { bounds: [{ arg: 'amount', kind: 'at_most', value: '130.00' }], maxUses: 1, validForHours: 1 };

  it('needs a person: an operator without one decides nothing and grants nothing', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '60.00' }));
    const cli = { actor: 'cli:root', userId: null, role: 'admin' as const, channel: 'cli' as const };
    await expect(approveAndRemember(deps(), cli, { actionId, argsHash, ...scope })).rejects.toThrow(/a decision needs a person/);
    expect(await h.db.prisma.standingApproval.count()).toBe(0);
  });

  it('writes the grant and the decision once, even when the decision writer runs again (an activity retry)', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '125.00' }));
    const bob = userOperator({ id: 'bob', role: 'admin' }, 'api');
    const remembered = await approveAndRemember(deps(), bob, { actionId, argsHash, ...scope, reason: 'known customer' });
    if (!remembered.stored) throw new Error('the grant was not stored within the wait');
    const { decision, standingApproval } = remembered;
    expect(decision.approvalStatus).toBe('approved');
    expect(standingApproval).toMatchObject({ grantedBy: 'bob', reason: 'known customer', maxUses: 1, condition: 'cents(args["amount"]) <= 13000' });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed' });

    // What Temporal would do after a worker died between the writes: run the same activity with the same input.
    const approval = await h.db.prisma.approval.findFirstOrThrow({ where: { actionId } });
    const recorded = { approverId: 'bob', decision: 'approve' as const, channel: 'api' as const, round: 1, decidedAt: standingApproval.validFrom.toISOString() };
    const activities = seededActivities(h.db).activities;
    const draft = {
      grantId: standingApproval.id,
      agentId: 'billing-bot',
      tool: 'payments.refund',
      condition: standingApproval.condition,
      reason: 'known customer',
      validForHours: 1,
      maxUses: 1,
    };
    await activities.recordDecision({ actionId, approvalId: approval.id, round: 1, argsHash, decision: recorded, standingApproval: draft });
    expect(await h.db.prisma.standingApproval.count({ where: { id: standingApproval.id } })).toBe(1);
    expect(await h.db.prisma.approvalDecision.count({ where: { approvalId: approval.id } })).toBe(1);
    const granted = await h.db.prisma.auditEvent.findMany({ where: { type: 'standing_approval.granted', actionId } });
    expect(granted.map((e) => e.actor)).toEqual(['user:bob']);

    // One use: the next matching refund runs, the one after waits.
    const covered = await submitAction(h.client, h.taskQueue, refundRequest({ amount: '129.00' }));
    expect(await awaitOutcome(h.client, covered.actionId)).toMatchObject({ status: 'executed' });
    const spent = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '129.00' }));
    expect(spent.status.phase).toBe('awaiting_approval');
  });

  it('an "at most" bound on a number of a gate-only tool (no schema) does not cover a negative or a numeric string', async () => {
    const retryRequest = (retries: unknown, idempotencyKey: string) => ({
      agentId: 'billing-bot',
      tool: 'payments.retry_payout',
      args: { payoutId: 'po_1', retries },
      idempotencyKey,
      execution: 'agent' as const,
    });
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, retryRequest(3, 'retry-granted'));
    const bob = userOperator({ id: 'bob', role: 'admin' }, 'api');
    await approveAndRemember(deps(), bob, { actionId, argsHash, bounds: [{ arg: 'retries', kind: 'at_most', value: 5 }], maxUses: 10, validForHours: 1 });
    // Where admission leaves each: authorized by the grant (the agent may run it), or waiting for a person.
    const phaseOf = async (retries: unknown, idempotencyKey: string) => {
      const submitted = await submitAction(h.client, h.taskQueue, retryRequest(retries, idempotencyKey));
      return (await waitForStatus(h.client, submitted.actionId, (s) => s.phase === 'awaiting_report' || s.phase === 'awaiting_approval')).phase;
    };
    expect(await phaseOf(-100, 'retry-negative')).toBe('awaiting_approval');
    expect(await phaseOf('-5', 'retry-numeric-string')).toBe('awaiting_approval');
    expect(await phaseOf(4, 'retry-covered')).toBe('awaiting_report');
  });
});
