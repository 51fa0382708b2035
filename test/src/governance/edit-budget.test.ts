import { createActivities, defaultActivityDeps, type AdmitAndRunAnswer, type EditReview, type PolicySource } from '@airlock/activities';
import type { ActionRequestInput, GuardedActionInput } from '@airlock/core';
import { awaitOutcome, decideAction } from '@airlock/core/gateway';
import { createAgent, createBudget } from '@airlock/db';
import { compilePolicy } from '@airlock/policy';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { admissionInput, refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { defaultPolicy, useSeededHarness } from '../support/harness.js';

// An approver's edit replaces the action's reservation. It was reserved on top of the one it replaces, then that
// one released in a transaction of its own: under a 200.00 budget, 150.00 held, an edit to 100.00 was denied
// ("reserved 150.00, this action 100.00"). And a second edit in a round whose first was abandoned after its
// review took the same holder: it got the first edit's reservation back, then released it as "the previous
// holder", holding nothing. Now: one transaction, a holder per edit, a denied edit moves no money.

const h = useSeededHarness();

let serial = 0;

/** A fresh agent (own budgets) with a USD day budget of `limit`. */
async function agentWithBudget(limit: string): Promise<{ agentId: string; budgetId: string }> {
  const agentId = `edit-budget-${++serial}`;
  await createAgent(h.db, { id: agentId, team: `team-${agentId}`, allowedTools: ['payments.*'] });
  const budget = await createBudget(h.db, { scope: 'agent', target: agentId, period: 'day', currency: 'USD', limit });
  return { agentId, budgetId: budget.id };
}

const refund = (agentId: string, amount: string): ActionRequestInput => ({ ...refundRequest({ amount }), agentId });
const refundArgs = (amount: string) => ({ ...refundRequest({ amount }).args });

async function usage(budgetId: string): Promise<{ spent: string; reserved: string }> {
  const { rows } = await h.db.pool.query<{ spent: string; reserved: string }>('SELECT spent, reserved FROM budget_usage WHERE budget_id = $1', [budgetId]);
  return rows[0]!;
}

async function reservations(actionId: string): Promise<[string, string, string][]> {
  const { rows } = await h.db.pool.query<{ action_id: string; status: string; amount: string }>(
    'SELECT action_id, status, amount FROM budget_reservations WHERE action_id LIKE $1 ORDER BY created_at, action_id',
    [`${actionId}%`],
  );
  return rows.map((r) => [r.action_id, r.status, r.amount]);
}

/** A policy whose one rule gives refunds `outcome`. */
const refunds = (outcome: string) =>
  compilePolicy(
    `apiVersion: airlock/v1\nrules:\n  - id: refunds\n    tools: [payments.refund]\n    tier: high\n    outcome: ${outcome}\n    reason: refunds ${outcome}\n`,
    'refunds.yaml',
  );

/** The action's `approval.edit_classified` rows: key, decision, the whole payload. */
async function classifiedRows(actionId: string) {
  const rows = await h.db.prisma.auditEvent.findMany({ where: { actionId, type: 'approval.edit_classified' }, orderBy: { seq: 'asc' }, select: { eventKey: true, payload: true } });
  return rows.map((r) => ({ eventKey: r.eventKey, decision: (r.payload as { decision: string }).decision, payload: r.payload }));
}

/** The activities, called attempt by attempt as Temporal would (no workflow): admission, then edits' reviews. */
function activitiesAlone(policy: PolicySource = defaultPolicy()) {
  const activities = createActivities(defaultActivityDeps(h.db, policy));
  const admit = (input: GuardedActionInput) => new MockActivityEnvironment().run<[], AdmitAndRunAnswer, () => Promise<AdmitAndRunAnswer>>(() => activities.admitAndRun(input));
  const review = (input: GuardedActionInput, amount: string, previousBudgetHolder: string): Promise<EditReview> =>
    activities.reviewEdit({ input, round: 1, approverId: 'alice', editedArgs: refundArgs(amount), previousBudgetHolder, baseArgs: input.request.args });
  return { admit, review };
}

async function admittedAwaitingApproval(agentId: string, amount: string, policy?: PolicySource) {
  const { admit, review } = activitiesAlone(policy);
  const input = admissionInput(h.taskQueue, refund(agentId, amount));
  const admitted = await admit(input);
  expect(admitted.admission).toMatchObject({ classification: { decision: 'require_approval' }, budgetReserved: true });
  return { input, actionId: input.actionId, review };
}

const reviewed = (review: EditReview) => {
  if (!review.ok) throw new Error(`the edit was rejected: ${review.reason}`);
  return review;
};

describe("an approver's edit and the budget", () => {
  it('through the workflow: 150.00 held under a 200.00 budget, edited to 100.00, runs at 100.00', async () => {
    const { agentId, budgetId } = await agentWithBudget('200.00');
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refund(agentId, '150.00'));
    const decided = await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash, editedArgs: refundArgs('100.00') });
    expect(decided.approvalStatus).toBe('approved');
    // Still over 50.00: a second round, which alice's carried approval settles.
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed' });
    const ran = await h.db.prisma.ledgerEntry.findMany({ where: { idempotencyKey: `${actionId}:run` } });
    expect(ran.map((e) => e.amount.toFixed(2))).toEqual(['100.00']);
    expect(await reservations(actionId)).toEqual([
      [actionId, 'released', '150.00'],
      [`${actionId}#edit1`, 'committed', '100.00'],
    ]);
    expect(await usage(budgetId)).toEqual({ spent: '100.00', reserved: '0.00' });
  });

  it('an edit that lowers the amount is judged without the amount it replaces, and a retried review reserves once', async () => {
    const { agentId, budgetId } = await agentWithBudget('200.00');
    const { input, actionId, review } = await admittedAwaitingApproval(agentId, '150.00');

    const first = reviewed(await review(input, '100.00', actionId));
    expect(first).toMatchObject({ classification: { decision: 'require_approval' }, budgetHolder: `${actionId}#edit1`, budgetReserved: true });
    expect(first.budgetImpacts).toEqual([expect.objectContaining({ limit: '200.00', spent: '0.00', reserved: '100.00', thisAction: '100.00' })]);
    expect(await usage(budgetId)).toEqual({ spent: '0.00', reserved: '100.00' });

    // The activity retried after its commit: the same answer, nothing reserved or released twice.
    const retried = reviewed(await review(input, '100.00', actionId));
    expect(retried).toMatchObject({ classification: first.classification, budgetHolder: first.budgetHolder, budgetReserved: true });
    expect(await usage(budgetId)).toEqual({ spent: '0.00', reserved: '100.00' });
    expect(await reservations(actionId)).toEqual([
      [actionId, 'released', '150.00'],
      [`${actionId}#edit1`, 'reserved', '100.00'],
    ]);
    const action = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    expect({ amount: (action.args as { amount: string }).amount, cost: action.costEstimate?.toFixed(2) }).toEqual({ amount: '100.00', cost: '100.00' });
    const classified = await h.db.prisma.auditEvent.findMany({ where: { actionId, type: 'approval.edit_classified' }, select: { eventKey: true } });
    expect(classified).toEqual([{ eventKey: `${actionId}:edit.classified:1` }]);
  });

  it('a second edit in the round, after one abandoned once reviewed, holds its own amount under its own holder', async () => {
    const { agentId, budgetId } = await agentWithBudget('200.00');
    const { input, actionId, review } = await admittedAwaitingApproval(agentId, '150.00');
    const abandoned = reviewed(await review(input, '100.00', actionId));
    // The workflow moved the hold to the reviewed edit's holder; the edit was then abandoned and another one sent.
    const second = reviewed(await review(input, '80.00', abandoned.budgetHolder));
    expect(second).toMatchObject({ budgetHolder: `${actionId}#edit1.2`, budgetReserved: true });
    const third = reviewed(await review(input, '60.00', second.budgetHolder));
    expect(third).toMatchObject({ budgetHolder: `${actionId}#edit1.3`, budgetReserved: true });
    expect(await reservations(actionId)).toEqual([
      [actionId, 'released', '150.00'],
      [`${actionId}#edit1`, 'released', '100.00'],
      [`${actionId}#edit1.2`, 'released', '80.00'],
      [`${actionId}#edit1.3`, 'reserved', '60.00'],
    ]);
    expect(await usage(budgetId)).toEqual({ spent: '0.00', reserved: '60.00' });
    // Each edit's classification is audited under a key of its own (the round's first keeps the key it always had).
    const classified = await h.db.prisma.auditEvent.findMany({ where: { actionId, type: 'approval.edit_classified' }, orderBy: { seq: 'asc' }, select: { eventKey: true } });
    expect(classified.map((e) => e.eventKey)).toEqual([`${actionId}:edit.classified:1`, `${actionId}:edit.classified:1.2`, `${actionId}:edit.classified:1.3`]);
  });

  it('an edit the budget cannot hold is denied and moves no money: the reservation it would replace stays held', async () => {
    const { agentId, budgetId } = await agentWithBudget('200.00');
    const { input, actionId, review } = await admittedAwaitingApproval(agentId, '150.00');
    const denied = reviewed(await review(input, '250.00', actionId));
    expect(denied.classification.decision).toBe('deny');
    // Judged as replacing the 150.00, not on top of it.
    expect(denied.classification.reasons.join('; ')).toMatch(
      /budget: budget agent\/edit-budget-\d+ \(day\) would exceed its limit: limit 200\.00, spent 0\.00, reserved 0\.00, this action 250\.00/,
    );
    // The action's own holder is still the one held: completion releases it when the denied action ends.
    expect(denied).toMatchObject({ budgetHolder: actionId, budgetReserved: true });
    expect(await reservations(actionId)).toEqual([[actionId, 'reserved', '150.00']]);
    expect(await usage(budgetId)).toEqual({ spent: '0.00', reserved: '150.00' });
  });

  it("a retried review answers its committed first attempt's verdict, not a new one: the policy now denies, the row said approval", async () => {
    const { agentId, budgetId } = await agentWithBudget('200.00');
    let policy = refunds('require_approval');
    const { input, actionId, review } = await admittedAwaitingApproval(agentId, '150.00', { current: () => policy });
    const first = reviewed(await review(input, '100.00', actionId));
    expect(first).toMatchObject({ classification: { decision: 'require_approval' }, budgetHolder: `${actionId}#edit1`, budgetReserved: true });
    const recorded = await classifiedRows(actionId);
    // The policy changed before Temporal heard the first attempt's answer. Classified again, the retry answered
    // deny while the log (its row written once) said require_approval, and the workflow ended the action on it.
    policy = refunds('deny');
    const retried = reviewed(await review(input, '100.00', actionId));
    expect(retried).toMatchObject({ classification: first.classification, budgetHolder: `${actionId}#edit1`, budgetReserved: true, budgetImpacts: first.budgetImpacts });
    expect(await classifiedRows(actionId)).toEqual(recorded);
    expect(recorded).toEqual([expect.objectContaining({ decision: 'require_approval' })]);
    expect(await usage(budgetId)).toEqual({ spent: '0.00', reserved: '100.00' });
  });

  it('a retried review of an edit its first attempt denied stays denied though the policy now allows it, and moves no money', async () => {
    const { agentId, budgetId } = await agentWithBudget('200.00');
    let policy = refunds('require_approval');
    const { input, actionId, review } = await admittedAwaitingApproval(agentId, '150.00', { current: () => policy });
    policy = refunds('deny');
    const first = reviewed(await review(input, '100.00', actionId));
    expect(first).toMatchObject({ classification: { decision: 'deny' }, budgetHolder: actionId, budgetReserved: true });
    const recorded = await classifiedRows(actionId);
    policy = refunds('require_approval');
    const retried = reviewed(await review(input, '100.00', actionId));
    expect(retried).toMatchObject({ classification: first.classification, budgetHolder: actionId, budgetReserved: true });
    expect(await classifiedRows(actionId)).toEqual(recorded);
    expect(recorded).toEqual([expect.objectContaining({ decision: 'deny' })]);
    expect(await reservations(actionId)).toEqual([[actionId, 'reserved', '150.00']]);
    expect(await usage(budgetId)).toEqual({ spent: '0.00', reserved: '150.00' });
  });
});
