import { MoneyAmount, PLAN_TOOL, PlanArgs, toCents, type Classification } from '@airlock/core';
import type { ReserveResult } from '@airlock/db';
import { denyWith, escalateToApproval } from '@airlock/policy';
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
  const amount = `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
  const currency = costs[0]!.currency;
  // Steps within the amount format can sum beyond it: no budget could hold that, so the plan is refused, not retried.
  if (!MoneyAmount.safeParse(amount).success) return { ok: false, reason: `the plan's total cost ${amount} ${currency} is more than an amount can be (at most 999999999999.99)` };
  return { ok: true, cost: { amount, currency } };
}

function single(deps: ActivityDeps, tool: string, args: Record<string, unknown>): { amount: string; currency: string } | null {
  const definition = deps.tools.get(tool);
  if (!definition?.cost) return null;
  const parsed = definition.args.safeParse(args);
  // Invalid arguments are denied at classification; they have no cost to reserve.
  return parsed.success ? definition.cost(parsed.data) : null;
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
