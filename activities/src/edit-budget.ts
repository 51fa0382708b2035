import { Classification, isAuditEvent, parseAuditEvent, type BudgetImpactView } from '@airlock/core';
import {
  appendAuditIn,
  inTransaction,
  lockBudgetAction,
  lockUsageForMoveIn,
  releaseBudgetIn,
  reserveBudgetIn,
  rollbackWith,
  type AuditEventBody,
  type BudgetReservationRequest,
} from '@airlock/db';
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
 * Every usage row the move touches is locked first, in the one order all writers use (lockUsageForMoveIn): the
 * release and the reservation can be in different periods of one budget (an action reserved yesterday, edited
 * today), and two passes in budget id order crossed an admission's order (a deadlock, 40P01).
 *
 * A retried review whose earlier attempt committed (its `approval.edit_classified` row is there) is answered from
 * that commit, not classified again: the workflow acts on what the log says, even if the policy or the budgets
 * changed since (classified again, a retry could answer deny while the row, never written twice, said allow).
 */
export async function settleEditBudget(deps: ActivityDeps, input: EditBudgetInput): Promise<EditBudget> {
  const { actionId, agent, cost, previousHolder } = input;
  const holder = editBudgetHolder(actionId, input.round, previousHolder);
  // One instant for the locks and the reservation: both name the same current periods.
  const at = new Date();
  return inTransaction(deps.db, async (client) => {
    // Every attempt of this review takes this lock first: a retry reads the commit of an attempt still running.
    await lockBudgetAction(client, previousHolder);
    const committed = await committedEdit(client, { actionId, holder, previousHolder, reserving: cost && { actionId: holder, agentId: agent.id, team: agent.team, ...cost, at } });
    if (committed) return committed;
    const moved = await inSavepoint(client, 'edit_budget', async () => {
      const reserving = cost && input.classification.decision !== 'deny' ? { actionId: holder, agentId: agent.id, team: agent.team, ...cost, at } : null;
      await lockUsageForMoveIn(client, { from: previousHolder, to: reserving });
      await releaseBudgetIn(client, { actionId: previousHolder });
      const reserved = await reserveCost(deps, input.classification, cost, (c) =>
        reserveBudgetIn(client, { actionId: holder, agentId: agent.id, team: agent.team, amount: c.amount, currency: c.currency, at }),
      );
      const answer = { ...reserved, kept: reserved.classification.decision === 'deny' };
      return answer.kept ? rollbackWith(answer) : answer;
    });
    const { classification } = moved;
    const { budgetHolder, budgetReserved } = moved.kept
      ? await heldAfterDenial(client, { holder, previousHolder })
      : { budgetHolder: holder, budgetReserved: moved.reservation?.status === 'reserved' };
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

/**
 * Who holds the money once the edit is denied: the holder it would have replaced, whose release was rolled back;
 * unless the edit's holder holds a reservation all the same (a review begun before edits settled in one
 * transaction reserved it in a transaction of its own), which completion must then release.
 */
async function heldAfterDenial(client: pg.PoolClient, edit: { holder: string; previousHolder: string }): Promise<{ budgetHolder: string; budgetReserved: boolean }> {
  if (await holdsReserved(client, edit.holder)) return { budgetHolder: edit.holder, budgetReserved: true };
  return { budgetHolder: edit.previousHolder, budgetReserved: await holdsReserved(client, edit.previousHolder) };
}

/**
 * The answer of an attempt of this review that committed: the classification its `approval.edit_classified` row
 * records, who holds the money now and whether it is reserved, and that reservation's impacts with current usage
 * (none for a denied edit: the refusal's figures are in its reasons). Null when no attempt committed.
 */
async function committedEdit(
  client: pg.PoolClient,
  edit: { actionId: string; holder: string; previousHolder: string; reserving: BudgetReservationRequest | null },
): Promise<EditBudget | null> {
  const key = editClassifiedKey(edit.actionId, edit.holder);
  const { rows } = await client.query<{ type: string; payload: unknown }>('SELECT type, payload FROM audit_events WHERE event_key = $1', [key]);
  const row = rows[0];
  if (!row) return null;
  const event = parseAuditEvent(row.type, row.payload);
  if (!isAuditEvent(event, 'approval.edit_classified')) {
    throw new Error(`audit row ${key} is not a readable "approval.edit_classified" event${event.type === 'legacy' ? ` (${event.problem})` : ''}`);
  }
  const classification = Classification.parse(event.payload);
  const { budgetHolder, budgetReserved } =
    classification.decision === 'deny' ? await heldAfterDenial(client, edit) : { budgetHolder: edit.holder, budgetReserved: await holdsReserved(client, edit.holder) };
  // reserveBudgetIn answers a holder that holds its reservation with that reservation (current usage), reserving nothing.
  const held = budgetReserved && budgetHolder === edit.holder && edit.reserving ? await reserveBudgetIn(client, edit.reserving) : null;
  return { classification, budgetHolder, budgetReserved, budgetImpacts: held?.status === 'reserved' ? held.impacts : [] };
}

async function holdsReserved(client: pg.PoolClient, holder: string): Promise<boolean> {
  const { rows } = await client.query(`SELECT 1 FROM budget_reservations WHERE action_id = $1 AND status = 'reserved' LIMIT 1`, [holder]);
  return rows.length > 0;
}
