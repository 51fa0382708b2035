import { MoneyAmount, PLAN_TOOL, PlanArgs, toCents, type Classification } from '@airlock/core';
import { Currency, type ReserveResult } from '@airlock/db';
import { denyWith, escalateToApproval } from '@airlock/policy';
import type { ActivityDeps } from './deps.js';

export type CostEstimate = { ok: true; cost: Cost | null } | { ok: false; reason: string };

type Cost = { amount: string; currency: string };

/**
 * What a run is expected to cost: the tool's own estimate, or for a plan the sum of its steps (one currency).
 * A cost that cannot be reserved (no amount in the money format, no currency code, a cost function that throws)
 * is a refusal naming it, never "costs nothing": read as free, it would pass every budget.
 */
export function estimateCost(deps: ActivityDeps, tool: string, args: Record<string, unknown>): CostEstimate {
  if (tool !== PLAN_TOOL) return single(deps, tool, args);
  const parsed = PlanArgs.safeParse(args);
  if (!parsed.success) return { ok: true, cost: null };
  const costs: Cost[] = [];
  for (const [index, step] of parsed.data.steps.entries()) {
    const estimate = single(deps, step.tool, step.args);
    if (!estimate.ok) return { ok: false, reason: `step ${index + 1}: ${estimate.reason}` };
    if (estimate.cost) costs.push(estimate.cost);
  }
  if (costs.length === 0) return { ok: true, cost: null };
  const currencies = new Set(costs.map((c) => c.currency));
  if (currencies.size > 1) return { ok: false, reason: `a plan's costs must share one currency (found ${[...currencies].join(', ')})` };
  const cents = costs.reduce((sum, c) => sum + toCents(c.amount), 0n);
  const amount = `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
  const currency = costs[0]!.currency;
  // Steps within the amount format can sum beyond it: no budget could hold that, so the plan is refused, not retried.
  if (!MoneyAmount.safeParse(amount).success) return { ok: false, reason: `the plan's total cost ${amount} ${currency} is more than an amount can be (at most 999999999999.99)` };
  return { ok: true, cost: { amount, currency } };
}

/**
 * One tool's cost, checked here because a tool pack's `cost` is anyone's code: an amount like "40.005" or a
 * currency like "eur" failed the reservation's own check inside admission's transaction, on every retry, and
 * the action never got a row. Refused here, the action is denied with the reason and recorded.
 */
function single(deps: ActivityDeps, tool: string, args: Record<string, unknown>): CostEstimate {
  const definition = deps.tools.get(tool);
  if (!definition?.cost) return { ok: true, cost: null };
  const parsed = definition.args.safeParse(args);
  // Invalid arguments are denied at classification; they have no cost to reserve.
  if (!parsed.success) return { ok: true, cost: null };
  let cost: unknown;
  try {
    cost = definition.cost(parsed.data);
  } catch (error) {
    return { ok: false, reason: `tool ${tool}: cost could not be worked out: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (cost === null) return { ok: true, cost: null };
  const problem = costProblem(cost);
  return problem ? { ok: false, reason: `tool ${tool}: cost ${problem}` } : { ok: true, cost: cost as Cost };
}

/** What is wrong with a cost function's answer, or undefined when budgets can hold it as it is. */
function costProblem(cost: unknown): string | undefined {
  if (typeof cost !== 'object' || cost === null) return `${describe(cost)} is not { amount, currency } or null`;
  const { amount, currency } = cost as Record<string, unknown>;
  if (typeof amount !== 'string' || !MoneyAmount.safeParse(amount).success) {
    return `amount ${describe(amount)} is not an amount like "125.50" (a string, at most two decimal places, at most 999999999999.99)`;
  }
  if (typeof currency !== 'string' || !Currency.safeParse(currency).success) return `currency ${describe(currency)} is not a currency code like "USD"`;
  return undefined;
}

/** A value as the reason quotes it, short (strings quoted, so "40.005" reads as the string it is). */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' && value !== null ? 'an object' : String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

export interface CostReservation {
  classification: Classification;
  /** null: nothing was reserved (the action is denied already, or costs nothing). */
  reservation: ReserveResult | null;
}

/**
 * Reserves an action's cost and applies the answer to its classification: an
 * exceeded budget denies it, a crossed approval threshold makes it need approval.
 * Admission and an approver's edit both reserve through here.
 */
export async function reserveCost(
  deps: ActivityDeps,
  classification: Classification,
  cost: { amount: string; currency: string } | null,
  reserve: (cost: { amount: string; currency: string }) => Promise<ReserveResult>,
): Promise<CostReservation> {
  if (!cost || classification.decision === 'deny') return { classification, reservation: null };
  const reservation = await reserve(cost);
  if (reservation.status === 'exceeded') return { classification: denyWith(classification, `budget: ${reservation.reason}`), reservation };
  if (reservation.status === 'reserved' && reservation.needsApproval) {
    const policy = deps.policy.current();
    const reason = `budget: ${cost.amount} ${cost.currency} crosses a budget's approval threshold`;
    return { classification: escalateToApproval(policy, classification, 'medium', reason, policy.file.defaults.budgetApproval), reservation };
  }
  return { classification, reservation };
}
