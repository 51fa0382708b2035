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

/** Whether the action holds money on any budget (reservationRecheckStatement's rows): its completion must settle it. */
export function holdsReservation(rows: readonly ReservationRecheckRow[]): boolean {
  return rows.some((row) => row.status === 'reserved');
}
