import { createActivities, defaultActivityDeps, defineTool, type AdmitAndRunAnswer, type ToolDefinition } from '@airlock/activities';
import type { ActionRequestInput } from '@airlock/core';
import { createAgent, createBudget, type Db } from '@airlock/db';
import { compilePolicy } from '@airlock/policy';
import { createBuiltinTools } from '@airlock/tools';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { admissionInput } from '../support/actions.js';
import { useGovernanceDatabase } from './database.js';

// A tool's cost as admission reserves it. A declared HTTP tool's cost read from arguments that were not exactly
// the money format (or a currency code in capitals) was taken as "costs nothing": `"currency": "usd"`, what
// Stripe-style APIs take, passed every budget. A tool pack's cost() that answered "40.005" or "eur", or threw,
// failed the reservation's check inside admission's transaction on every attempt, with no action row. Now the
// first is checked against the normalised currency or denied naming the argument, the second denied naming the cost.

let db: Db;
useGovernanceDatabase((fresh) => (db = fresh));

const [stripeRefund] = createBuiltinTools(
  {
    httpTools: [
      {
        name: 'stripe.refund',
        method: 'POST',
        url: 'https://api.stripe.test/v1/refunds',
        args: { type: 'object', required: ['amount', 'currency'], properties: { amount: { type: 'string' }, currency: { type: 'string' } }, additionalProperties: false },
        cost: { amount: 'args.amount', currency: 'args.currency' },
      },
    ],
  },
  { resolveHost: () => Promise.reject(new Error('nothing is called in this test')) },
).tools;

const packTool = (name: string, cost: (args: { amount: string }) => { amount: string; currency: string } | null): ToolDefinition =>
  defineTool({ name, description: 'a pack tool', args: z.object({ amount: z.string() }).strict(), cost, execute: async () => ({ paid: true }) });

const packTools = [
  packTool('acme.fraction', ({ amount }) => ({ amount: `${amount}5`, currency: 'EUR' })),
  packTool('acme.lower', ({ amount }) => ({ amount, currency: 'eur' })),
  packTool('acme.throws', () => {
    throw new Error('price list unavailable');
  }),
];

// Refunds wait for people (nothing is called); pack tools would run at once.
const policy = compilePolicy(
  `apiVersion: airlock/v1
rules:
  - id: refunds
    tools: [stripe.refund]
    tier: high
    outcome: require_approval
    reason: refunds need an approver
  - id: pack
    tools: [acme.*]
    tier: low
    outcome: allow
    reason: pack tools run at once
`,
  'tool-cost.yaml',
);

let serial = 0;

async function admit(request: Omit<ActionRequestInput, 'agentId' | 'rationale' | 'idempotencyKey'>) {
  const activities = createActivities(defaultActivityDeps(db, { current: () => policy }, [stripeRefund!, ...packTools]));
  const input = admissionInput('tool-cost', { ...request, agentId: 'payer', rationale: 'r', idempotencyKey: `k${++serial}` });
  const answer = await new MockActivityEnvironment().run<[], AdmitAndRunAnswer, () => Promise<AdmitAndRunAnswer>>(() => activities.admitAndRun(input));
  const { rows } = await db.pool.query<{ currency: string; amount: string; status: string }>(
    'SELECT b.currency, r.amount, r.status FROM budget_reservations r JOIN budgets b ON b.id = r.budget_id WHERE r.action_id = $1',
    [input.actionId],
  );
  const action = await db.prisma.action.findUnique({ where: { id: input.actionId } });
  return { ...answer, reservations: rows, action };
}

async function payerWithBudget(currency: string, limit: string) {
  await createAgent(db, { id: 'payer', team: 'payments', allowedTools: ['stripe.*', 'acme.*'] });
  await createBudget(db, { scope: 'agent', target: 'payer', period: 'day', currency, limit });
}

describe("a declared HTTP tool's cost read from its arguments", () => {
  it('in a lower-case currency is checked against that currency’s budgets: held within them, denied past them', async () => {
    await payerWithBudget('USD', '100.00');
    const within = await admit({ tool: 'stripe.refund', args: { amount: '50.00', currency: 'usd' } });
    expect(within.admission).toMatchObject({ classification: { decision: 'require_approval' }, budgetReserved: true });
    expect(within.reservations).toEqual([{ currency: 'USD', amount: '50.00', status: 'reserved' }]);

    const past = await admit({ tool: 'stripe.refund', args: { amount: '60.00', currency: 'usd' } });
    expect(past.admission.classification.decision).toBe('deny');
    expect(past.admission.classification.reasons.join('; ')).toMatch(
      /budget: budget agent\/payer \(day\) would exceed its limit: limit 100\.00, spent 0\.00, reserved 50\.00, this action 60\.00/,
    );
    expect(past.reservations).toEqual([]);
  });

  it('that budgets cannot hold exactly is denied naming the argument, never taken as free or rounded', async () => {
    await payerWithBudget('USD', '1000000.00');
    for (const amount of ['50.000', '5e3', '-5.00', '050', '1000000000000']) {
      const denied = await admit({ tool: 'stripe.refund', args: { amount, currency: 'USD' } });
      expect(denied.admission.classification.decision, amount).toBe('deny');
      expect(denied.admission.classification.reasons, amount).toContain(
        `budget: tool stripe.refund: cost could not be worked out: args.amount: ${JSON.stringify(amount)} is not an amount like "125.50" (digits, at most two decimal places, at most 999999999999.99)`,
      );
      expect(denied.reservations, amount).toEqual([]);
      // Recorded: the action has its row and is answered, not retried for ever.
      expect(denied.action?.riskReasons, amount).toEqual(denied.admission.classification.reasons);
    }
    const badCurrency = await admit({ tool: 'stripe.refund', args: { amount: '5.00', currency: 'dollars' } });
    expect(badCurrency.admission.classification.reasons).toContain(
      'budget: tool stripe.refund: cost could not be worked out: args.currency: "dollars" is not a currency code like "USD"',
    );
  });
});

describe("a tool pack's cost", () => {
  it('that budgets cannot hold, or that throws, denies the action naming the cost, with its row, nothing run or reserved', async () => {
    await payerWithBudget('EUR', '1000.00');
    const cases = {
      'acme.fraction': 'budget: tool acme.fraction: cost amount "40.005" is not an amount like "125.50" (a string, at most two decimal places, at most 999999999999.99)',
      'acme.lower': 'budget: tool acme.lower: cost currency "eur" is not a currency code like "USD"',
      'acme.throws': 'budget: tool acme.throws: cost could not be worked out: price list unavailable',
    };
    for (const [tool, reason] of Object.entries(cases)) {
      const denied = await admit({ tool, args: { amount: '40.00' } });
      expect(denied.admission.classification.decision, tool).toBe('deny');
      expect(denied.admission.classification.reasons, tool).toContain(reason);
      expect(denied.run, tool).toBeUndefined();
      expect(denied.reservations, tool).toEqual([]);
      expect(denied.action?.tool, tool).toBe(tool);
    }
  });
});
