import { PLAN_TOOL } from '@airlock/core';
import { createToolRegistry, defineTool, type ToolDefinition } from '@airlock/tools';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { estimateCost } from './cost.js';
import type { ActivityDeps } from './deps.js';

// A tool pack's `cost` is anyone's code: its answer is checked before admission reserves it. Unchecked, "40.005"
// or "eur" failed the reservation's own check inside admission's transaction on every retry, with no action row.

const packTool = (name: string, cost: (args: { amount: string }) => unknown): ToolDefinition =>
  defineTool({
    name,
    description: 'a pack tool',
    args: z.object({ amount: z.string() }).strict(),
    cost: cost as (args: { amount: string }) => { amount: string; currency: string } | null,
    execute: async () => ({}),
  });

const deps = (...tools: ToolDefinition[]) => ({ tools: createToolRegistry(tools) }) as unknown as ActivityDeps;

describe("a tool's cost as admission reserves it", () => {
  it('passes an amount and currency budgets hold, and null as "costs nothing"', () => {
    const d = deps(
      packTool('acme.pay', ({ amount }) => ({ amount, currency: 'EUR' })),
      packTool('acme.free', () => null),
    );
    expect(estimateCost(d, 'acme.pay', { amount: '40.00' })).toEqual({ ok: true, cost: { amount: '40.00', currency: 'EUR' } });
    expect(estimateCost(d, 'acme.free', { amount: '40.00' })).toEqual({ ok: true, cost: null });
    // Invalid arguments are the classification's to deny.
    expect(estimateCost(d, 'acme.pay', { amount: 40 })).toEqual({ ok: true, cost: null });
  });

  it('refuses, naming the tool and what is wrong, a cost budgets cannot hold', () => {
    const d = deps(
      packTool('acme.fraction', ({ amount }) => ({ amount: `${amount}5`, currency: 'EUR' })),
      packTool('acme.lower', ({ amount }) => ({ amount, currency: 'eur' })),
      packTool('acme.number', () => ({ amount: 40, currency: 'EUR' })),
      packTool('acme.shape', () => '40.00 EUR'),
      packTool('acme.throws', () => {
        throw new Error('price list unavailable');
      }),
    );
    const reason = (tool: string) => {
      const estimate = estimateCost(d, tool, { amount: '40.00' });
      if (estimate.ok) throw new Error(`${tool}: expected a refusal, got ${JSON.stringify(estimate.cost)}`);
      return estimate.reason;
    };
    expect(reason('acme.fraction')).toBe('tool acme.fraction: cost amount "40.005" is not an amount like "125.50" (a string, at most two decimal places, at most 999999999999.99)');
    expect(reason('acme.lower')).toBe('tool acme.lower: cost currency "eur" is not a currency code like "USD"');
    expect(reason('acme.number')).toMatch(/^tool acme.number: cost amount 40 is not an amount/);
    expect(reason('acme.shape')).toBe('tool acme.shape: cost "40.00 EUR" is not { amount, currency } or null');
    expect(reason('acme.throws')).toBe('tool acme.throws: cost could not be worked out: price list unavailable');
  });

  it("refuses a plan one of whose steps' cost cannot be held, naming the step", () => {
    const d = deps(
      packTool('acme.pay', ({ amount }) => ({ amount, currency: 'EUR' })),
      packTool('acme.lower', ({ amount }) => ({ amount, currency: 'eur' })),
    );
    const plan = (...steps: { tool: string; amount: string }[]) => ({ steps: steps.map(({ tool, amount }) => ({ tool, args: { amount } })) });
    expect(estimateCost(d, PLAN_TOOL, plan({ tool: 'acme.pay', amount: '1.00' }, { tool: 'acme.pay', amount: '2.50' }))).toEqual({
      ok: true,
      cost: { amount: '3.50', currency: 'EUR' },
    });
    expect(estimateCost(d, PLAN_TOOL, plan({ tool: 'acme.pay', amount: '1.00' }, { tool: 'acme.lower', amount: '2.50' }))).toEqual({
      ok: false,
      reason: 'step 2: tool acme.lower: cost currency "eur" is not a currency code like "USD"',
    });
  });
});
