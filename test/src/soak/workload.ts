import type { ActionRequestInput } from '@airlock/core';
import type { Rng } from './rng.js';
import { TIMEOUT_REASON } from './policy.js';

/**
 * What the soak asks for and what the "humans" will do. About 40 % of actions
 * need an approval (refunds over 50.00), split into approve / deny / left to time out.
 */
export type Route = 'echo' | 'sleep' | 'fail' | 'auto_refund' | 'approve' | 'deny' | 'timeout';

const WEIGHTS: Record<Route, number> = { echo: 20, sleep: 15, fail: 5, auto_refund: 20, approve: 18, deny: 12, timeout: 10 };

export const APPROVAL_ROUTES: ReadonlySet<Route> = new Set(['approve', 'deny', 'timeout']);
export const REFUND_ROUTES: ReadonlySet<Route> = new Set(['auto_refund', 'approve', 'deny', 'timeout']);

export const AGENTS = Array.from({ length: 8 }, (_, i) => `soak-agent-${i}`);
export const APPROVERS = Array.from({ length: 4 }, (_, i) => `soak-approver-${i}`);
/** Owns every agent, so separation of duties forbids them to decide: never chosen as an approver. */
export const OWNER = 'soak-owner';
/** Trips the kill switches of the race phase (kill-switch-race.ts). */
export const SOAK_ADMIN = 'soak-admin';

export interface PlannedAction {
  index: number;
  route: Route;
  request: ActionRequestInput & { args: Record<string, unknown> };
  /** Refunds: the amount, as the ledger must show it if the refund runs. */
  amount?: string;
  /** approve / deny: who decides, and how long after the approval opens. */
  decision?: { approverId: string; decision: 'approve' | 'deny'; afterMs: number };
}

export function planWorkload(rng: Rng, count: number, maxDecisionDelayMs: number): PlannedAction[] {
  return Array.from({ length: count }, (_, index) => planOne(rng, index, maxDecisionDelayMs));
}

function planOne(rng: Rng, index: number, maxDecisionDelayMs: number): PlannedAction {
  const route = rng.weighted(WEIGHTS);
  const base = { agentId: rng.pick(AGENTS), rationale: `soak action ${index} (${route})`, idempotencyKey: `soak-${index}` };
  const refund = (minCents: number, maxCents: number, reason: string): PlannedAction => {
    const amount = (rng.int(minCents, maxCents) / 100).toFixed(2);
    return {
      index,
      route,
      amount,
      request: { ...base, tool: 'payments.refund', args: { paymentId: `pay_soak_${index}`, amount, currency: 'USD', reason } },
    };
  };
  switch (route) {
    case 'echo':
      return { index, route, request: { ...base, tool: 'demo.echo', args: { message: `soak ${index}` } } };
    case 'sleep':
      // Long enough that a SIGKILL often lands while it runs.
      return { index, route, request: { ...base, tool: 'demo.sleep', args: { ms: rng.int(200, 2_500) } } };
    case 'fail':
      return { index, route, request: { ...base, tool: 'demo.fail', args: { message: `soak ${index}: planned failure` } } };
    case 'auto_refund':
      // Up to 50.00: allowed without approval by the default policy, but it reserves budget.
      return refund(100, 5_000, 'soak: small refund');
    case 'timeout':
      return refund(5_001, 40_000, TIMEOUT_REASON);
    case 'approve':
    case 'deny': {
      const planned = refund(5_001, 40_000, 'soak: refund that needs an approver');
      return { ...planned, decision: { approverId: rng.pick(APPROVERS), decision: route, afterMs: rng.int(200, maxDecisionDelayMs) } };
    }
  }
}
