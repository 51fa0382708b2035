import type { GuardedActionInput } from '@airlock/core';
import { appendAudit, killSwitchReason, loadRequester, recheckReservation, reserveBudgetsAddedSince, reserveBudgetsAddedSinceIn, type AuditEventInput } from '@airlock/db';
import type pg from 'pg';
import { assess } from './assessment.js';
import { estimateCost } from './cost.js';
import type { ActivityDeps } from './deps.js';
import { reached } from './kill-points.js';
import { readStoredRefusal, recheckEventKey, type RecheckReads } from './run-reads.js';

/** `budgetReserved`: the action holds a budget reservation now (one may have been added here) to settle at completion. */
export type Recheck = { ok: true; budgetReserved?: boolean } | { ok: false; reason: string };

export interface RecheckInput {
  input: GuardedActionInput;
  args: Record<string, unknown>;
  budgetHolder: string;
}

/**
 * Right before the tool runs: the agent may have been suspended, the policy
 * changed or a budget lowered while the approval waited. Audited either way.
 * Run by the `recheckBeforeRun` step; a tool run that re-checks itself writes the
 * verdict (recheckVerdict) in the commit of its claim.
 */
export async function recheckAction(deps: ActivityDeps, input: RecheckInput): Promise<Recheck> {
  // A refusal written before Temporal took this step's result (a retried local activity, or its workflow task) is the answer.
  const refusedBefore = await readStoredRefusal(deps.db, input.input.actionId);
  if (refusedBefore) return { ok: false, reason: refusedBefore.reason };
  const { result, event } = await recheckVerdict(deps, input);
  reached(deps, 'recheck.before-write');
  await appendAudit(deps.db, event);
  reached(deps, 'recheck.after-write');
  return result;
}

/**
 * The re-check's reads made by the caller in its open transaction (claimRechecked: under
 * the start gate, with the run's other reads): a budget added while the action waited is
 * then reserved in that transaction too, and its audit row handed back to commit with it.
 */
export interface RecheckInTransaction extends RecheckReads {
  client: pg.PoolClient;
}

/**
 * The re-check's answer and the audit row that records it (written by the caller, with
 * whatever commits with it). `before`: rows the caller appends ahead of it (a budget
 * reserved in `inTransaction`'s transaction); without `inTransaction` everything is read
 * here, and a budget reserved is written and audited at once.
 */
export async function recheckVerdict(
  deps: ActivityDeps,
  input: RecheckInput,
  inTransaction?: RecheckInTransaction,
): Promise<{ result: Recheck; event: AuditEventInput; before: AuditEventInput[] }> {
  const { db } = deps;
  const { actionId, request } = input.input;
  const before: AuditEventInput[] = [];
  const result = await check();
  const where = { eventKey: recheckEventKey(actionId), actionId, actor: 'system:policy' };
  const event: AuditEventInput = result.ok
    ? { ...where, type: 'action.rechecked', payload: { policyVersion: deps.policy.current().version } }
    : { ...where, type: 'action.recheck_failed', payload: { reason: result.reason } };
  return { result, event, before };

  async function check(): Promise<Recheck> {
    const requester = inTransaction ? inTransaction.requester : await loadRequester(db, request.agentId);
    if (!requester) return { ok: false, reason: `agent "${request.agentId}" no longer exists` };
    const { agent, suspension } = requester;
    if (suspension) return { ok: false, reason: killSwitchReason(suspension, 'suspended') };
    const { classification } = assess(deps, { ...request, args: input.args }, agent);
    if (classification.decision === 'deny') return { ok: false, reason: `the policy now denies it: ${classification.reasons.join('; ')}` };
    const budget = inTransaction ? inTransaction.reservation : await recheckReservation(db, { actionId: input.budgetHolder });
    if (!budget.ok) return { ok: false, reason: `budget: ${budget.reason}` };
    // Budgets created while the action waited apply too: reserved now, all or none.
    const estimate = estimateCost(deps, request.tool, input.args);
    if (!estimate.ok) return { ok: false, reason: `budget: ${estimate.reason}` };
    if (!estimate.cost) return { ok: true };
    // The run's reads found no budget added in this currency while the action waited: nothing to top up, and
    // no savepoint, lock or statement spent finding that out again (a budget added since then misses this
    // run either way, as it would miss the top-up's own read).
    if (inTransaction && !inTransaction.unreservedCurrencies.has(estimate.cost.currency)) return { ok: true, budgetReserved: inTransaction.holdsReservation };
    const topUpRequest = {
      actionId: input.budgetHolder,
      agentId: agent.id,
      team: agent.team,
      amount: estimate.cost.amount,
      currency: estimate.cost.currency,
      at: new Date(),
    };
    const topUp = inTransaction ? await reserveBudgetsAddedSinceIn(inTransaction.client, topUpRequest) : await reserveBudgetsAddedSince(db, topUpRequest);
    if (topUp.status === 'exceeded') return { ok: false, reason: `budget: ${topUp.reason}` };
    if (topUp.added.length > 0) {
      const reserved: AuditEventInput = {
        eventKey: `${actionId}:budget.recheck_reserved`,
        actionId,
        type: 'budget.reserved',
        actor: 'system:budget',
        // A threshold crossed on a new budget is covered by the approval this action already has.
        payload: { amount: estimate.cost.amount, currency: estimate.cost.currency, impacts: topUp.added, atRecheck: true, thresholdCrossed: topUp.needsApproval },
      };
      if (inTransaction) before.push(reserved);
      else await appendAudit(db, reserved);
    }
    return { ok: true, budgetReserved: topUp.holds };
  }
}

export function createRecheckActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /** The re-check as a step of its own (gate-only actions, plans, and histories from before the run re-checked itself). */
    async recheckBeforeRun(input: RecheckInput): Promise<Recheck> {
      return recheckAction(deps, input);
    },

    /** Why an action was cancelled: the kill switch if one covers the agent, else an operator. */
    async cancellationReason(input: { agentId: string }): Promise<string> {
      const suspension = (await loadRequester(db, input.agentId))?.suspension;
      return suspension ? killSwitchReason(suspension, 'cancelled') : 'the action was cancelled by an operator';
    },
  };
}
