import { defaultActivityDeps, defineTool } from '@airlock/activities';
import { PLAN_TOOL, type ActionRequestInput } from '@airlock/core';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createAgent, createBudget } from '@airlock/db';
import { compilePolicy } from '@airlock/policy';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useSeededHarness } from '../support/harness.js';

// A run the executor stops at its time limit was stopped, not undone: what it was asked may have happened. Recorded as
// a plain failure, its reservation was released, so the same money could be spent again; now it stays spent, on the
// fast path, after an approval, and as a plan's step.

/** `test.hang`: costs its amount and never ends, heeding no signal. */
const hang = defineTool({
  name: 'test.hang',
  description: 'test tool: never ends',
  args: z.object({ amount: z.string(), currency: z.string() }).strict(),
  cost: ({ amount, currency }) => ({ amount, currency }),
  execute: () => new Promise<never>(() => undefined),
});

const policy = compilePolicy(
  `apiVersion: airlock/v1
rules:
  - { id: steps, tools: [test.hang, demo.echo], tier: low, outcome: allow, reason: test tools run }
`,
  'run-limit-budget.yaml',
);

/** The limit the harness's executor stops a run at, instead of TOOL_RUN_STOP_MS. */
const LIMIT_MS = 500;
const h = useSeededHarness({ deps: (db) => ({ ...defaultActivityDeps(db, { current: () => policy }, [hang]), toolRunLimitMs: LIMIT_MS }) });

beforeAll(async () => {
  for (const id of ['hang-bot', 'hang-plan-bot']) {
    await createAgent(h.db, { id, team: 'hangers', ownerId: 'owner', allowedTools: ['test.*', 'demo.*'] });
    await createBudget(h.db, { scope: 'agent', target: id, period: 'day', currency: 'USD', limit: '100.00' });
  }
});

let serial = 0;
const request = (agentId: string, tool: string, args: Record<string, unknown>): ActionRequestInput => ({
  agentId,
  tool,
  args,
  rationale: 'test',
  idempotencyKey: `run-limit-${++serial}`,
});
const charge = { amount: '40.00', currency: 'USD' };

async function usageOf(agentId: string) {
  const rows = await h.db.prisma.budgetUsage.findMany({ where: { budget: { target: agentId } } });
  return rows.map((r) => ({ spent: r.spent.toFixed(2), reserved: r.reserved.toFixed(2) }));
}

describe('a run stopped at its time limit', () => {
  it('ends failed saying so, and its cost stays spent', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, request('hang-bot', 'test.hang', charge));
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'failed', error: expect.stringContaining(`ran longer than ${LIMIT_MS} ms`) });
    expect(await usageOf('hang-bot')).toEqual([{ spent: '40.00', reserved: '0.00' }]);
  });

  it("as a plan's step: the plan fails and that step's cost stays spent", async () => {
    const steps = [
      { tool: 'demo.echo', args: { message: 'first' } },
      { tool: 'test.hang', args: charge },
    ];
    const { actionId } = await submitAction(h.client, h.taskQueue, request('hang-plan-bot', PLAN_TOOL, { steps }));
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'failed', error: expect.stringMatching(/step 2 \(test.hang\) failed: the tool ran longer than/) });
    expect(await usageOf('hang-plan-bot')).toEqual([{ spent: '40.00', reserved: '0.00' }]);
  });
});
