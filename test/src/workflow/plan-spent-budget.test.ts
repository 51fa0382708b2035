import { defaultActivityDeps, defineTool } from '@airlock/activities';
import { PLAN_TOOL, type ActionRequestInput } from '@airlock/core';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createAgent, createBudget } from '@airlock/db';
import { compilePolicy } from '@airlock/policy';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useSeededHarness } from '../support/harness.js';

// A plan's summed cost is held under its action id. A plan that did not execute (a later step failed, or it was
// cancelled) released all of it, though a step that ran and could not be undone had spent its money: an agent could
// send [costly irreversible call, failing step] plans without end while the budget showed nothing spent. Now the cost
// of the steps left done is committed and the rest released.

/** `test.charge`: costs its amount and has no compensation (an irreversible call, like an HTTP tool with a cost). */
const charge = defineTool({
  name: 'test.charge',
  description: 'test tool: a charge that cannot be undone',
  args: z.object({ amount: z.string(), currency: z.string() }).strict(),
  cost: ({ amount, currency }) => ({ amount, currency }),
  execute: async ({ amount }) => ({ charged: amount }),
});

const policy = compilePolicy(
  `apiVersion: airlock/v1
rules:
  - { id: steps, tools: [test.charge, payments.refund, demo.fail, demo.echo], tier: low, outcome: allow, reason: test steps run }
`,
  'plan-spent.yaml',
);

const h = useSeededHarness({ deps: (db) => defaultActivityDeps(db, { current: () => policy }, [charge]) });

beforeAll(async () => {
  await createAgent(h.db, { id: 'spend-bot', team: 'spenders', ownerId: 'owner', allowedTools: ['test.*', 'payments.*', 'demo.*'] });
  await createBudget(h.db, { scope: 'agent', target: 'spend-bot', period: 'day', currency: 'USD', limit: '100.00' });
});

let serial = 0;
const plan = (steps: { tool: string; args: Record<string, unknown> }[]): ActionRequestInput => ({
  agentId: 'spend-bot',
  tool: PLAN_TOOL,
  args: { steps },
  rationale: 'test plan',
  idempotencyKey: `plan-spent-${++serial}`,
});
const refund = (amount: string) => ({ tool: 'payments.refund', args: { paymentId: `pay_${serial}`, amount, currency: 'USD', reason: 'plan' } });
const chargeOf = (amount: string) => ({ tool: 'test.charge', args: { amount, currency: 'USD' } });
const failing = { tool: 'demo.fail', args: { message: 'the last step fails' } };

async function usage() {
  const rows = await h.db.prisma.budgetUsage.findMany({ where: { budget: { target: 'spend-bot' } } });
  return { spent: rows.map((r) => r.spent.toFixed(2)), reserved: rows.map((r) => r.reserved.toFixed(2)) };
}

describe('a plan that fails after steps it cannot undo', () => {
  it('commits the cost of the steps left done, releases the rest, and the next plan is checked against it', async () => {
    const first = await submitAction(h.client, h.taskQueue, plan([refund('30.00'), chargeOf('20.00'), failing]));
    expect(await awaitOutcome(h.client, first.actionId)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/step 3 \(demo.fail\) failed: .*step 2 \(test.charge\) irreversible, step 1 \(payments.refund\) compensated/),
    });
    // The refund was undone (compensated); the charge was not.
    expect(await usage()).toEqual({ spent: ['20.00'], reserved: ['0.00'] });
    const reservation = await h.db.prisma.budgetReservation.findFirstOrThrow({ where: { actionId: first.actionId } });
    expect(reservation).toMatchObject({ status: 'committed' });
    expect(reservation.actualAmount?.toFixed(2)).toBe('20.00');

    // 20 spent: a plan of 90 no longer fits the 100 a day.
    const second = await submitAction(h.client, h.taskQueue, plan([chargeOf('90.00'), failing]));
    expect(await awaitOutcome(h.client, second.actionId)).toMatchObject({ status: 'denied', reason: expect.stringMatching(/budget .*limit 100.00, spent 20.00/) });
  });

  it('releases all of it when every step that ran was undone', async () => {
    const before = await usage();
    const undone = await submitAction(h.client, h.taskQueue, plan([refund('10.00'), failing]));
    expect(await awaitOutcome(h.client, undone.actionId)).toMatchObject({ status: 'failed' });
    expect(await usage()).toEqual(before);
    expect(await h.db.prisma.budgetReservation.findFirstOrThrow({ where: { actionId: undone.actionId } })).toMatchObject({ status: 'released' });
  });
});
