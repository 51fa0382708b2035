import { PLAN_TOOL, PlanArgs, toCents } from '@airlock/core';
import type { ActivityDeps } from './deps.js';

export type CostEstimate = { ok: true; cost: { amount: string; currency: string } | null } | { ok: false; reason: string };

/** What a run is expected to cost: the tool's own estimate, or for a plan the sum of its steps (one currency). */
export function estimateCost(deps: ActivityDeps, tool: string, args: Record<string, unknown>): CostEstimate {
  if (tool !== PLAN_TOOL) return { ok: true, cost: single(deps, tool, args) };
  const parsed = PlanArgs.safeParse(args);
  if (!parsed.success) return { ok: true, cost: null };
  const costs = parsed.data.steps.map((step) => single(deps, step.tool, step.args)).filter((c) => c !== null);
  if (costs.length === 0) return { ok: true, cost: null };
  const currencies = new Set(costs.map((c) => c.currency));
  if (currencies.size > 1) return { ok: false, reason: `a plan's costs must share one currency (found ${[...currencies].join(', ')})` };
  const cents = costs.reduce((sum, c) => sum + toCents(c.amount), 0n);
  return { ok: true, cost: { amount: `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`, currency: costs[0]!.currency } };
}

function single(deps: ActivityDeps, tool: string, args: Record<string, unknown>): { amount: string; currency: string } | null {
  const definition = deps.tools.get(tool);
  if (!definition?.cost) return null;
  const parsed = definition.args.safeParse(args);
  // Invalid arguments are denied at classification; they have no cost to reserve.
  return parsed.success ? definition.cost(parsed.data) : null;
}
