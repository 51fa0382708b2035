import { PLAN_TOOL } from '@airlock/core';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { describe, expect, it } from 'vitest';
import { waitForStatus } from '../support/actions.js';
import { useSeededHarness } from '../support/harness.js';

const h = useSeededHarness();

const largestRefund = (paymentId: string) => ({ tool: 'payments.refund', args: { paymentId, amount: '999999999999.99', currency: 'USD', reason: 'plan' } });

describe('a plan whose summed cost is more than an amount can be', () => {
  // Each step's amount is valid; their sum (1999999999999.98) has 13 integer digits. It once failed the budget
  // reservation's money format, a validation error admission retried for ever with no action row and no audit.
  it('is denied at admission, with the total in the reason, an action row and its audit rows', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, {
      agentId: 'billing-bot',
      tool: PLAN_TOOL,
      args: { steps: [largestRefund('p1'), largestRefund('p2')] },
      rationale: 'two very large refunds',
      idempotencyKey: 'plan-cost-overflow',
    });
    // Bounded: without a decision admission would keep retrying and the outcome never come.
    await waitForStatus(h.client, actionId, (s) => s.phase === 'completed');
    const reason = "budget: the plan's total cost 1999999999999.98 USD is more than an amount can be (at most 999999999999.99)";
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'denied', reason: expect.stringContaining(reason) });

    const action = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    expect(action).toMatchObject({ tool: PLAN_TOOL, status: 'denied', costEstimate: null });
    expect(action.riskReasons).toContain(reason);
    const audit = await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => e.type)).toEqual(expect.arrayContaining(['action.requested', 'action.classified']));
    expect(audit.find((e) => e.type === 'action.classified')?.payload).toMatchObject({ decision: 'deny', reasons: expect.arrayContaining([reason]) });
    expect(await h.db.prisma.budgetReservation.count({ where: { actionId } })).toBe(0);
  });
});
