import { z } from 'zod';
import type { Db } from '../client.js';
import { Target } from './scope.js';
import { inlineParams } from './sql-literals.js';

export const ReservationRecheck = z.object({ actionId: Target });
export type ReservationRecheck = z.input<typeof ReservationRecheck>;

export type RecheckResult = { ok: true } | { ok: false; reason: string };

/**
 * Before an approved action runs: do the budgets it holds money on still allow
 * it? An approval can wait for days; meanwhile a limit may be lowered, others
 * may overspend, or the reservation may have been given back.
 */
export async function recheckReservation(db: Db, input: ReservationRecheck): Promise<RecheckResult> {
  const { actionId } = ReservationRecheck.parse(input);
  const { rows } = await db.pool.query<ReservationRecheckRow>(RECHECK_SQL, [actionId]);
  return reservationRecheckFrom(actionId, rows);
}

/** recheckReservation's statement with the action inlined, to send in another statement's message (the run's reads). */
export function reservationRecheckStatement(input: ReservationRecheck): string {
  return inlineParams(RECHECK_SQL, [ReservationRecheck.parse(input).actionId]);
}

export interface ReservationRecheckRow {
  budget_id: string;
  status: string;
  amount: string;
  scope: string | null;
  target: string | null;
  period: string | null;
  limit_amount: string | null;
  spent: string | null;
  reserved: string | null;
  over_limit: boolean | null;
}

const RECHECK_SQL = `SELECT r.budget_id, r.status, r.amount, b.scope, b.target, b.period, b.limit_amount, u.spent, u.reserved,
            u.spent + u.reserved > b.limit_amount AS over_limit
       FROM budget_reservations r
       LEFT JOIN budgets b ON b.id = r.budget_id
       LEFT JOIN budget_usage u ON u.budget_id = r.budget_id AND u.period_start = r.period_start
      WHERE r.action_id = $1
      ORDER BY r.budget_id COLLATE "C"`;

/** The verdict from reservationRecheckStatement's (or recheckReservation's) rows. */
export function reservationRecheckFrom(actionId: string, rows: readonly ReservationRecheckRow[]): RecheckResult {
  for (const row of rows) {
    if (row.status === 'released') return { ok: false, reason: `the budget reservation of action ${actionId} was released` };
    if (row.status !== 'reserved') continue;
    if (row.scope === null) return { ok: false, reason: `budget ${row.budget_id} no longer exists` };
    if (row.over_limit !== false) {
      return {
        ok: false,
        reason:
          `budget ${row.scope}/${row.target} (${row.period}) is over its limit: limit ${row.limit_amount}, ` +
          `spent ${row.spent ?? '0.00'}, reserved ${row.reserved ?? '0.00'} (this action ${row.amount})`,
      };
    }
  }
  return { ok: true };
}

const UNRESERVED_SQL = `SELECT DISTINCT b.currency FROM budgets b
      WHERE ((b.scope = 'agent' AND b.target = $2)
          OR (b.scope = 'team' AND b.target = (SELECT team FROM agents WHERE id = $2))
          OR (b.scope = 'tenant' AND b.target = '*'))
        AND NOT EXISTS (SELECT 1 FROM budget_reservations r WHERE r.action_id = $1 AND r.budget_id = b.id)`;

/**
 * The currencies of budgets that cover the agent (its own, its team's, the tenant's) but
 * hold no reservation of the action: a budget added while the action waited. A run reads it
 * with its other reads, so its re-check tops up (reserveBudgetsAddedSinceIn: a savepoint, the
 * action's lock, two reads and the release, a round trip each) only when the action's currency
 * is among them.
 */
export function unreservedBudgetsStatement(input: { actionId: string; agentId: string }): string {
  return inlineParams(UNRESERVED_SQL, [Target.parse(input.actionId), Target.parse(input.agentId)]);
}

export function unreservedCurrenciesFrom(rows: readonly { currency: string }[]): ReadonlySet<string> {
  return new Set(rows.map((row) => row.currency));
}

/** Whether the action holds money on any budget (reservationRecheckStatement's rows): its completion must settle it. */
export function holdsReservation(rows: readonly ReservationRecheckRow[]): boolean {
  return rows.some((row) => row.status === 'reserved');
}
