import { randomUUID } from 'node:crypto';
import type { BudgetImpactView } from '@airlock/core';
import { MoneyAmount } from '@airlock/core/money';
import type pg from 'pg';
import { z } from 'zod';
import type { Db } from '../client.js';
import { Currency, centsOf, formatCents } from './money.js';
import { type BudgetPeriod, periodStartOf } from './periods.js';
import { type GovernanceScope, Target } from './scope.js';
import { inSavepoint, inTransaction, lockName, rollbackWith, type RollbackWith } from './transaction.js';
import type { BudgetRow } from './budgets.js';

/*
 * Reservations move money through three states: reserved (held while the action
 * waits for approval) -> committed (spent) | released (given back). Locking, to
 * stay free of deadlocks and double counts:
 *  - every write for one action first takes that action's advisory lock, so a
 *    retry never races its original (check-then-insert is safe under it);
 *  - usage rows are then locked in (budget id COLLATE "C", period start) order,
 *    the same order everywhere, so transactions touching overlapping budgets
 *    queue, never cycle. A reservation, a top-up, a commit and a release touch
 *    one period per budget: budget id order is that order for them. A move of
 *    money from one holder to another (an approver's edit) can touch two periods
 *    of one budget (yesterday's reservation released, today's made): it locks all
 *    its rows first, in that order (lockUsageForMoveIn), before releasing or
 *    reserving any.
 */

/** Serialises every reservation write of one action (reserve, commit, release) until the transaction ends. */
export async function lockBudgetAction(client: pg.PoolClient, actionId: string): Promise<void> {
  await lockName(client, 'budget-action', actionId);
}

export const BudgetReservationRequest = z.object({
  actionId: Target,
  agentId: Target,
  team: Target,
  /** The action's expected cost; the same money counts against every applicable budget. */
  amount: MoneyAmount,
  currency: Currency,
  /** Picks the UTC day / month the reservation (and later its spend) belongs to. */
  at: z.date(),
});
export type BudgetReservationRequest = z.input<typeof BudgetReservationRequest>;

/** What an approver sees per budget: the cap, what is already used, and this action's share. */
/** What an approver sees about money (core's view), with the scope, period and period start typed. */
export interface BudgetImpact extends BudgetImpactView {
  scope: GovernanceScope;
  period: BudgetPeriod;
  periodStart: string;
}

export type ReserveResult =
  | { status: 'reserved'; impacts: BudgetImpact[]; needsApproval: boolean }
  | { status: 'exceeded'; reason: string; impacts: BudgetImpact[] }
  | { status: 'not_applicable'; impacts: []; needsApproval: false };

/** Reserving again for an action whose reservation was given back: the unique row cannot be reused. */
export class ReservationReleasedError extends Error {
  constructor(actionId: string) {
    super(`the budget reservation of action ${actionId} was released; it cannot be reserved again`);
    this.name = 'ReservationReleasedError';
  }
}

type ApplicableBudget = Omit<BudgetRow, 'created_at'>;

interface Usage {
  spent: bigint;
  reserved: bigint;
}

/**
 * `holds`: the usage already includes this action's amount (it holds a
 * reservation); otherwise the threshold is judged as if it did.
 */
function impactOf(budget: ApplicableBudget, periodStart: string, usage: Usage, thisAction: bigint, holds: boolean): BudgetImpact {
  const projected = usage.spent + usage.reserved + (holds ? 0n : thisAction);
  return {
    budgetId: budget.id,
    scope: budget.scope,
    target: budget.target,
    period: budget.period,
    periodStart,
    currency: budget.currency,
    limit: budget.limit_amount,
    approvalThreshold: budget.approval_threshold,
    spent: formatCents(usage.spent),
    reserved: formatCents(usage.reserved),
    thisAction: formatCents(thisAction),
    thresholdCrossed: budget.approval_threshold !== null && projected > centsOf(budget.approval_threshold),
  };
}

function reservedResult(impacts: BudgetImpact[]): ReserveResult {
  return { status: 'reserved', impacts, needsApproval: impacts.some((i) => i.thresholdCrossed) };
}

const NOT_APPLICABLE: ReserveResult = { status: 'not_applicable', impacts: [], needsApproval: false };

const BUDGET_COLUMNS = 'b.id, b.scope, b.target, b.period, b.currency, b.limit_amount, b.approval_threshold';

/**
 * Reserves `amount` on every budget covering the agent, its team and the tenant
 * in `currency`, all or none. Idempotent per action: a retry returns the
 * reservation it already holds.
 */
export async function reserveBudget(db: Db, input: BudgetReservationRequest): Promise<ReserveResult> {
  return inTransaction(db, (client) => reserveBudgetIn(client, input));
}

/** The same inside the caller's transaction; a refusal undoes only this step (a savepoint). */
export async function reserveBudgetIn(client: pg.PoolClient, input: BudgetReservationRequest): Promise<ReserveResult> {
  return reserveCheckedIn(client, BudgetReservationRequest.parse(input));
}

async function reserveCheckedIn(client: pg.PoolClient, request: z.output<typeof BudgetReservationRequest>): Promise<ReserveResult> {
  return inSavepoint(client, 'budget_reservation', async () => {
    await lockBudgetAction(client, request.actionId);
    const held = await heldReservation(client, request.actionId);
    if (held) return held;

    const budgets = await applicableBudgets(client, request);
    if (budgets.length === 0) return NOT_APPLICABLE;

    const amount = centsOf(request.amount);
    const impacts: BudgetImpact[] = [];
    for (const budget of budgets) {
      const periodStart = periodStartOf(budget.period, request.at);
      const usage = await reserveOn(client, budget.id, periodStart, request.amount);
      if (!usage) return rollbackWith(await exceeded(client, budgets, impacts, budget, request));
      impacts.push(impactOf({ ...budget, ...usage.budget }, periodStart, usage, amount, true));
    }

    await client.query(
      `INSERT INTO budget_reservations (id, budget_id, action_id, period_start, amount, status, updated_at)
       SELECT r.id, r.budget_id, $4, r.period_start, $5::numeric, 'reserved', now()
         FROM unnest($1::text[], $2::text[], $3::date[]) AS r(id, budget_id, period_start)`,
      [impacts.map(() => randomUUID()), impacts.map((i) => i.budgetId), impacts.map((i) => i.periodStart), request.actionId, request.amount],
    );
    return reservedResult(impacts);
  });
}

/** The budgets a reservation for `request` counts against (agent, team, tenant, in its currency), in lock order. */
async function applicableBudgets(client: pg.PoolClient, request: Pick<BudgetReservationRequest, 'currency' | 'agentId' | 'team'>): Promise<ApplicableBudget[]> {
  const { rows } = await client.query<ApplicableBudget>(
    `SELECT ${BUDGET_COLUMNS} FROM budgets b
      WHERE b.currency = $1
        AND ((b.scope = 'agent' AND b.target = $2) OR (b.scope = 'team' AND b.target = $3) OR (b.scope = 'tenant' AND b.target = '*'))
      ORDER BY b.id COLLATE "C"`,
    [request.currency, request.agentId, request.team],
  );
  return rows;
}

/** A move of money from one holder to another in one transaction: `from`'s reservations released, then `to` reserved. */
export interface ReservationMove {
  /** The holder whose reserved rows are given back. */
  from: string;
  /** What is reserved in their place (the request reserveBudgetIn gets next), or null when nothing is. */
  to: BudgetReservationRequest | null;
}

/**
 * Locks every usage row a move touches, before it releases or reserves anything, in the one order every writer
 * follows: (budget id COLLATE "C", period start). Released and then reserved, each in budget id order, the move
 * took two passes, and they cross another writer's order once the periods differ: an action reserved on day D1
 * holds (a, D1) and (b, month) of a day budget a and a month budget b; an edit on D2 locked (a, D1), (b, month),
 * then asked for (a, D2), while an admission on D2 held (a, D2) and asked for (b, month). PostgreSQL aborted one
 * of them (40P01). Here the move takes (a, D1), (a, D2), (b, month), in that order, as the admission does.
 *
 * Takes the holders' action locks first, as every reservation write does (the rows `from` holds cannot change
 * under it). The current period's rows of the budgets `to` would reserve on (the same selection as the
 * reservation) are created first if missing, in the same order: an insert waits on a concurrent insert of the
 * same row as on its lock.
 */
export async function lockUsageForMoveIn(client: pg.PoolClient, move: ReservationMove): Promise<void> {
  await lockBudgetAction(client, move.from);
  const to = move.to ? BudgetReservationRequest.parse(move.to) : null;
  if (to) await lockBudgetAction(client, to.actionId);
  const { rows: released } = await client.query<{ budget_id: string; period_start: string }>(
    `SELECT budget_id, to_char(period_start, 'YYYY-MM-DD') AS period_start FROM budget_reservations WHERE action_id = $1 AND status = 'reserved'`,
    [move.from],
  );
  const reserved = to ? (await applicableBudgets(client, to)).map((b) => ({ budget_id: b.id, period_start: periodStartOf(b.period, to.at) })) : [];
  if (reserved.length > 0) {
    await client.query(
      `INSERT INTO budget_usage (budget_id, period_start)
       SELECT k.budget_id, k.period_start FROM unnest($1::text[], $2::date[]) AS k(budget_id, period_start)
        ORDER BY k.budget_id COLLATE "C", k.period_start
       ON CONFLICT DO NOTHING`,
      [reserved.map((r) => r.budget_id), reserved.map((r) => r.period_start)],
    );
  }
  const rows = [...released, ...reserved];
  if (rows.length === 0) return;
  await client.query(
    `SELECT 1 FROM budget_usage u
       JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::date[]) AS k(budget_id, period_start)) k USING (budget_id, period_start)
      ORDER BY u.budget_id COLLATE "C", u.period_start
        FOR UPDATE OF u`,
    [rows.map((r) => r.budget_id), rows.map((r) => r.period_start)],
  );
}

/**
 * The whole check is one conditional UPDATE: it waits for the row lock, then
 * re-evaluates the condition on the latest committed usage, so concurrent
 * reservations can never together pass the limit. No row back = refused.
 */
async function reserveOn(
  client: pg.PoolClient,
  budgetId: string,
  periodStart: string,
  amount: string,
): Promise<(Usage & { budget: Pick<ApplicableBudget, 'limit_amount' | 'approval_threshold'> }) | null> {
  await client.query('INSERT INTO budget_usage (budget_id, period_start) VALUES ($1, $2::date) ON CONFLICT DO NOTHING', [budgetId, periodStart]);
  const { rows } = await client.query<{ spent: string; reserved: string; limit_amount: string; approval_threshold: string | null }>(
    `UPDATE budget_usage u SET reserved = u.reserved + $3::numeric
       FROM budgets b
      WHERE b.id = u.budget_id AND u.budget_id = $1 AND u.period_start = $2::date
        AND u.spent + u.reserved + $3::numeric <= b.limit_amount
      RETURNING u.spent, u.reserved, b.limit_amount, b.approval_threshold`,
    [budgetId, periodStart, amount],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    spent: centsOf(row.spent),
    reserved: centsOf(row.reserved),
    budget: { limit_amount: row.limit_amount, approval_threshold: row.approval_threshold },
  };
}

/** The refusal, with every budget's usage as it stands without this action (read before the rollback). */
async function exceeded(
  client: pg.PoolClient,
  budgets: ApplicableBudget[],
  alreadyReserved: BudgetImpact[],
  refusing: ApplicableBudget,
  request: z.output<typeof BudgetReservationRequest>,
): Promise<ReserveResult> {
  const amount = centsOf(request.amount);
  const periods = budgets.map((b) => periodStartOf(b.period, request.at));
  const { rows } = await client.query<{ budget_id: string; spent: string; reserved: string }>(
    `SELECT u.budget_id, u.spent, u.reserved FROM budget_usage u
       JOIN unnest($1::text[], $2::date[]) AS k(budget_id, period_start) USING (budget_id, period_start)`,
    [budgets.map((b) => b.id), periods],
  );
  const impacts = budgets.map((budget, i) => {
    const row = rows.find((r) => r.budget_id === budget.id);
    const ours = alreadyReserved.some((r) => r.budgetId === budget.id) ? amount : 0n;
    const usage = { spent: row ? centsOf(row.spent) : 0n, reserved: (row ? centsOf(row.reserved) : 0n) - ours };
    return impactOf(budget, periods[i]!, usage, amount, false);
  });
  const shown = impacts.find((i) => i.budgetId === refusing.id)!;
  return {
    status: 'exceeded',
    reason:
      `budget ${refusing.scope}/${refusing.target} (${refusing.period}) would exceed its limit: ` +
      `limit ${shown.limit}, spent ${shown.spent}, reserved ${shown.reserved}, this action ${shown.thisAction}`,
    impacts,
  };
}

/**
 * reserveBudgetIn for a caller that read the currencies the agent's budgets are in with its
 * other reads (budgetCurrenciesStatement): with none in the action's currency nothing applies,
 * answered without a statement. The request is checked either way.
 */
export async function reserveBudgetKnowingCurrenciesIn(client: pg.PoolClient, input: BudgetReservationRequest, currencies: ReadonlySet<string>): Promise<ReserveResult> {
  const request = BudgetReservationRequest.parse(input);
  return currencies.has(request.currency) ? reserveCheckedIn(client, request) : NOT_APPLICABLE;
}

/** The result a retry gets: the reservation the action already holds, with current usage. */
async function heldReservation(client: pg.PoolClient, actionId: string): Promise<ReserveResult | null> {
  const { rows } = await client.query<ApplicableBudget & { status: string; amount: string; period_start: string; spent: string; reserved: string }>(
    `SELECT ${BUDGET_COLUMNS}, r.status, r.amount, to_char(r.period_start, 'YYYY-MM-DD') AS period_start, u.spent, u.reserved
       FROM budget_reservations r
       JOIN budgets b ON b.id = r.budget_id
       JOIN budget_usage u ON u.budget_id = r.budget_id AND u.period_start = r.period_start
      WHERE r.action_id = $1
      ORDER BY b.id COLLATE "C"`,
    [actionId],
  );
  if (rows.length === 0) return null;
  if (rows.some((r) => r.status === 'released')) throw new ReservationReleasedError(actionId);
  return reservedResult(rows.map((r) => impactOf(r, r.period_start, { spent: centsOf(r.spent), reserved: centsOf(r.reserved) }, centsOf(r.amount), true)));
}

export type TopUpResult = { status: 'reserved'; added: BudgetImpact[]; holds: boolean; needsApproval: boolean } | { status: 'exceeded'; reason: string; impacts: BudgetImpact[] };

/**
 * Right before an approved action runs: reserves its amount on every budget that
 * covers it now but that it holds no reservation on (a budget created, or a
 * currency's budget added, while it waited), all or none. Idempotent: a retry
 * finds the reservations it made. `holds`: the action holds any reservation
 * afterwards (its completion must commit or release them).
 */
export async function reserveBudgetsAddedSince(db: Db, input: BudgetReservationRequest): Promise<TopUpResult> {
  const request = BudgetReservationRequest.parse(input);
  return inTransaction(db, (client) => topUp(client, request));
}

/** The same inside the caller's open transaction (a savepoint: an exceeded budget undoes only this step's reservations). */
export async function reserveBudgetsAddedSinceIn(client: pg.PoolClient, input: BudgetReservationRequest): Promise<TopUpResult> {
  const request = BudgetReservationRequest.parse(input);
  return inSavepoint(client, 'budget_top_up', () => topUp(client, request));
}

async function topUp(client: pg.PoolClient, request: z.output<typeof BudgetReservationRequest>): Promise<TopUpResult | RollbackWith<TopUpResult>> {
  await lockBudgetAction(client, request.actionId);
  const { rows: held } = await client.query<{ budget_id: string; status: string }>('SELECT budget_id, status FROM budget_reservations WHERE action_id = $1', [request.actionId]);
  const { rows: budgets } = await client.query<ApplicableBudget>(
    `SELECT ${BUDGET_COLUMNS} FROM budgets b
      WHERE b.currency = $1
        AND ((b.scope = 'agent' AND b.target = $2) OR (b.scope = 'team' AND b.target = $3) OR (b.scope = 'tenant' AND b.target = '*'))
        AND NOT EXISTS (SELECT 1 FROM budget_reservations r WHERE r.action_id = $4 AND r.budget_id = b.id)
      ORDER BY b.id COLLATE "C"`,
    [request.currency, request.agentId, request.team, request.actionId],
  );
  const amount = centsOf(request.amount);
  const added: BudgetImpact[] = [];
  for (const budget of budgets) {
    const periodStart = periodStartOf(budget.period, request.at);
    const usage = await reserveOn(client, budget.id, periodStart, request.amount);
    if (!usage) return rollbackWith<TopUpResult>((await exceeded(client, budgets, added, budget, request)) as Extract<ReserveResult, { status: 'exceeded' }>);
    added.push(impactOf({ ...budget, ...usage.budget }, periodStart, usage, amount, true));
  }
  if (added.length > 0) {
    await client.query(
      `INSERT INTO budget_reservations (id, budget_id, action_id, period_start, amount, status, updated_at)
       SELECT r.id, r.budget_id, $4, r.period_start, $5::numeric, 'reserved', now()
         FROM unnest($1::text[], $2::text[], $3::date[]) AS r(id, budget_id, period_start)`,
      [added.map(() => randomUUID()), added.map((i) => i.budgetId), added.map((i) => i.periodStart), request.actionId, request.amount],
    );
  }
  return { status: 'reserved', added, holds: held.some((r) => r.status === 'reserved') || added.length > 0, needsApproval: added.some((i) => i.thresholdCrossed) };
}
