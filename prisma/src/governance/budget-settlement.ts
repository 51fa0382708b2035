import { MoneyAmount } from '@airlock/core/money';
import type pg from 'pg';
import { z } from 'zod';
import type { Db } from '../client.js';
import { lockBudgetAction } from './budget-reservations.js';
import { Target } from './scope.js';
import { inTransaction } from './transaction.js';

export const BudgetCommit = z.object({
  actionId: Target,
  /** What the action really cost; defaults to the reserved amount. Above it is still recorded: it was spent. */
  actual: MoneyAmount.optional(),
});
export type BudgetCommit = z.input<typeof BudgetCommit>;

export const BudgetRelease = z.object({ actionId: Target });
export type BudgetRelease = z.input<typeof BudgetRelease>;

interface HeldRow {
  budget_id: string;
  period_start: string;
  amount: string;
}

/** The action's open reservations, in the lock order reserveBudget uses for usage rows. */
async function openReservations(client: pg.PoolClient, actionId: string): Promise<HeldRow[]> {
  await lockBudgetAction(client, actionId);
  const { rows } = await client.query<HeldRow>(
    `SELECT budget_id, to_char(period_start, 'YYYY-MM-DD') AS period_start, amount
       FROM budget_reservations WHERE action_id = $1 AND status = 'reserved'
      ORDER BY budget_id COLLATE "C"`,
    [actionId],
  );
  return rows;
}

async function moveUsage(client: pg.PoolClient, row: HeldRow, spent: string | null): Promise<void> {
  // Spend lands in the reservation's period, not the commit's: the money was promised there.
  const { rowCount } = await client.query(
    `UPDATE budget_usage SET reserved = reserved - $3::numeric, spent = spent + COALESCE($4::numeric, 0)
      WHERE budget_id = $1 AND period_start = $2::date`,
    [row.budget_id, row.period_start, row.amount, spent],
  );
  if (rowCount !== 1) throw new Error(`budget usage row ${row.budget_id}/${row.period_start} is missing for a held reservation`);
}

/**
 * Turns the action's held reservations into spending, in one transaction.
 * Idempotent: only `reserved` rows move, so a retry finds nothing to do.
 */
export async function commitBudget(db: Db, input: BudgetCommit): Promise<{ committed: number }> {
  return inTransaction(db, (client) => commitBudgetIn(client, input));
}

/** commitBudget inside the caller's transaction (completion settles with the outcome it records). */
export async function commitBudgetIn(client: pg.PoolClient, input: BudgetCommit): Promise<{ committed: number }> {
  const { actionId, actual } = BudgetCommit.parse(input);
  const rows = await openReservations(client, actionId);
  for (const row of rows) await moveUsage(client, row, actual ?? row.amount);
  await client.query(
    `UPDATE budget_reservations SET status = 'committed', actual_amount = COALESCE($2::numeric, amount), updated_at = now()
      WHERE action_id = $1 AND status = 'reserved'`,
    [actionId, actual ?? null],
  );
  return { committed: rows.length };
}

/** Gives the action's held reservations back, in one transaction. Idempotent like commitBudget. */
export async function releaseBudget(db: Db, input: BudgetRelease): Promise<{ released: number }> {
  return inTransaction(db, (client) => releaseBudgetIn(client, input));
}

/** releaseBudget inside the caller's transaction. */
export async function releaseBudgetIn(client: pg.PoolClient, input: BudgetRelease): Promise<{ released: number }> {
  const { actionId } = BudgetRelease.parse(input);
  const rows = await openReservations(client, actionId);
  for (const row of rows) await moveUsage(client, row, null);
  await client.query(`UPDATE budget_reservations SET status = 'released', updated_at = now() WHERE action_id = $1 AND status = 'reserved'`, [actionId]);
  return { released: rows.length };
}
