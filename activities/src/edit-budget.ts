import type { BudgetImpactView, Classification } from '@airlock/core';
import { appendAuditIn, inTransaction, releaseBudgetIn, reserveBudgetIn, rollbackWith, type AuditEventBody } from '@airlock/db';
import { inSavepoint } from '@airlock/db/transaction';
import type pg from 'pg';
import { reserveCost } from './cost.js';
import type { ActivityDeps } from './deps.js';

/**
 * Who holds an edit's reservation: `<action>#edit<round>` for the round's first edit, then `.2`, `.3`, ... after
 * the holder the edit replaces. Derived from that holder, never from what the database holds, so a retried review
 * names the same holder (and finds the reservation it made), while a second edit in a round whose first was
 * abandoned after its review (its holder is the one held) gets a holder of its own: the same one returned the
 * first edit's reservation, which the release of the "previous" holder then gave back, leaving the edit unheld.
 */
export function editBudgetHolder(actionId: string, round: number, previousHolder: string): string {
  const first = `${actionId}#edit${round}`;
  if (previousHolder === first) return `${first}.2`;
  const later = previousHolder.startsWith(`${first}.`) ? Number(previousHolder.slice(first.length + 1)) : NaN;
  return Number.isSafeInteger(later) && later >= 2 ? `${first}.${later + 1}` : first;
}

/** The `approval.edit_classified` row's key: the round's first edit keeps the key it always had, later ones their holder's number. */
export function editClassifiedKey(actionId: string, holder: string): string {
  return `${actionId}:edit.classified:${holder.slice(`${actionId}#edit`.length)}`;
}

export interface EditBudgetInput {
  actionId: string;
  round: number;
  agent: { id: string; team: string };
  /** The edit's classification before money: policy, guardrails, a cost that could not be worked out. */
  classification: Classification;
  cost: { amount: string; currency: string } | null;
  /** The holder whose reservation the edit replaces (the action's, or an earlier edit's). */
  previousHolder: string;
  /** What the edit's record says (its `approval.edit_classified` row, the action row's columns), once its classification with money is known. */
  record: (classification: Classification) => { audit: AuditEventBody; action: EditedActionRow };
}

/** The action row's columns an edit changes. */
export interface EditedActionRow {
  args: Record<string, unknown>;
  argsHash: string;
  costEstimate: string | null;
}

export interface EditBudget {
  classification: Classification;
  budgetHolder: string;
  budgetReserved: boolean;
  budgetImpacts: BudgetImpactView[];
}

/**
 * An edit's money and its record in ONE transaction: the reservation it replaces is given back and the edit's
 * amount reserved in its place, so an edit that lowers the amount is judged without the amount it replaces (it
 * was reserved on top of it, and a budget with room for either but not both denied an edit that asked for less).
 * An edit that ends denied (by the budget or by the policy) moves no money: the release is rolled back with the
 * refused reservation and the earlier holder stays the one held, as it was, for completion to release. The
 * `approval.edit_classified` row and the action row's new arguments commit with it.
 *
 * A retried review finds the commit: nothing left to release, the edit's reservation held (returned as is), the
 * audit row written (kept, not written twice).
 */
export async function settleEditBudget(deps: ActivityDeps, input: EditBudgetInput): Promise<EditBudget> {
  const { actionId, agent, cost, previousHolder } = input;
  const holder = editBudgetHolder(actionId, input.round, previousHolder);
  return inTransaction(deps.db, async (client) => {
    const moved = await inSavepoint(client, 'edit_budget', async () => {
      await releaseBudgetIn(client, { actionId: previousHolder });
      const reserved = await reserveCost(deps, input.classification, cost, (c) =>
        reserveBudgetIn(client, { actionId: holder, agentId: agent.id, team: agent.team, amount: c.amount, currency: c.currency, at: new Date() }),
      );
      const answer = { ...reserved, kept: reserved.classification.decision === 'deny' };
      return answer.kept ? rollbackWith(answer) : answer;
    });
    const { classification } = moved;
    // Denied on a retry whose earlier attempt committed the edit's reservation (the policy changed in between):
    // that reservation is the one held, and completion must release it, not the one it replaced.
    const keptPrevious = moved.kept && !(await holdsReserved(client, holder));
    const budgetHolder = keptPrevious ? previousHolder : holder;
    const budgetReserved = moved.kept ? await holdsReserved(client, budgetHolder) : moved.reservation?.status === 'reserved';
    const { audit, action } = input.record(classification);
    await client.query(
      `UPDATE actions SET args = $2::jsonb, args_hash = $3, risk_tier = $4::"RiskTier", risk_reasons = $5::jsonb, cost_estimate = $6::numeric, updated_at = now()
        WHERE id = $1`,
      [actionId, JSON.stringify(action.args), action.argsHash, classification.tier, JSON.stringify(classification.reasons), action.costEstimate],
    );
    // Last, as every append in a transaction: the chain lock is held only until the commit right after.
    await appendAuditIn(client, { ...audit, eventKey: editClassifiedKey(actionId, holder), actionId });
    return { classification, budgetHolder, budgetReserved, budgetImpacts: moved.reservation?.impacts ?? [] };
  });
}

async function holdsReserved(client: pg.PoolClient, holder: string): Promise<boolean> {
  const { rows } = await client.query(`SELECT 1 FROM budget_reservations WHERE action_id = $1 AND status = 'reserved' LIMIT 1`, [holder]);
  return rows.length > 0;
}
