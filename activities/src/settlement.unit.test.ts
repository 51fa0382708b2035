import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { settlementOf } from './completion.js';
import type { ActivityDeps } from './deps.js';
import { createToolRegistry, defineTool } from './tool-contract.js';

// A plan that did not execute commits what its steps left done cost. A step's cost read as nothing because its tool is
// gone from this worker or its arguments no longer pass the tool's schema (a pack changed while a compensation waited
// for a person) released the whole hold: the cost is unknown then, and all of the hold is kept as spent.

const charge = defineTool({
  name: 'acme.charge',
  description: 'Charges.',
  args: z.object({ amount: z.string() }).strict(),
  cost: ({ amount }) => ({ amount, currency: 'USD' }),
  execute: () => Promise.resolve(null),
});
const deps = { tools: createToolRegistry([charge]) } as unknown as ActivityDeps;
const holder = 'act-1';

describe('settling a plan that did not execute', () => {
  it('commits the cost of the steps left done', () => {
    const steps = [
      { tool: 'acme.charge', args: { amount: '20.00' } },
      { tool: 'acme.charge', args: { amount: '5.50' } },
    ];
    expect(settlementOf(deps, { holder, spentSteps: steps })).toEqual({ holder, spentSteps: steps, spentAmount: '25.50' });
  });

  it.each([
    ['a tool this worker lacks', { tool: 'acme.gone', args: { amount: '20.00' } }],
    ["arguments the tool's schema now refuses", { tool: 'acme.charge', args: { amount: 20 } }],
  ])('keeps all of the hold for %s: the cost is unknown, not nothing', (_, step) => {
    const settled = settlementOf(deps, { holder, spentSteps: [step] });
    expect(settled).toEqual({ holder, spentSteps: [step] });
    expect(settled.spentAmount).toBeUndefined();
  });

  it('releases the hold when the steps left done cost nothing', () => {
    const free = defineTool({ name: 'acme.note', description: 'Notes.', args: z.object({}).strict(), execute: () => Promise.resolve(null) });
    expect(settlementOf({ tools: createToolRegistry([free]) } as unknown as ActivityDeps, { holder, spentSteps: [{ tool: 'acme.note', args: {} }] })).toEqual({ holder });
  });
});
