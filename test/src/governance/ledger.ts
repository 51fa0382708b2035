import { type Db } from '@airlock/db';

/** One budget period as stored, next to the sums of its reservation rows: the books must balance. */
export interface PeriodLedger {
  limit: string;
  spent: string;
  reserved: string;
  /** Sum of `amount` over rows still `reserved`. */
  heldRows: string;
  /** Sum of `actual_amount` over `committed` rows. */
  committedRows: string;
  counts: { reserved: number; committed: number; released: number };
  /** spent + reserved <= limit, judged in SQL. */
  withinLimit: boolean;
}

export async function periodLedger(db: Db, budgetId: string, periodStart: string): Promise<PeriodLedger> {
  const { rows } = await db.pool.query<{
    limit_amount: string;
    spent: string;
    reserved: string;
    held_rows: string;
    committed_rows: string;
    n_reserved: number;
    n_committed: number;
    n_released: number;
    within_limit: boolean;
  }>(
    `SELECT b.limit_amount,
            COALESCE(u.spent, 0)::numeric(18, 2) AS spent,
            COALESCE(u.reserved, 0)::numeric(18, 2) AS reserved,
            COALESCE(r.held, 0)::numeric(18, 2) AS held_rows,
            COALESCE(r.committed, 0)::numeric(18, 2) AS committed_rows,
            COALESCE(r.n_reserved, 0)::int AS n_reserved,
            COALESCE(r.n_committed, 0)::int AS n_committed,
            COALESCE(r.n_released, 0)::int AS n_released,
            COALESCE(u.spent, 0) + COALESCE(u.reserved, 0) <= b.limit_amount AS within_limit
       FROM budgets b
       LEFT JOIN budget_usage u ON u.budget_id = b.id AND u.period_start = $2::date
       LEFT JOIN LATERAL (
         SELECT sum(amount) FILTER (WHERE status = 'reserved') AS held,
                sum(actual_amount) FILTER (WHERE status = 'committed') AS committed,
                count(*) FILTER (WHERE status = 'reserved') AS n_reserved,
                count(*) FILTER (WHERE status = 'committed') AS n_committed,
                count(*) FILTER (WHERE status = 'released') AS n_released
           FROM budget_reservations WHERE budget_id = b.id AND period_start = $2::date
       ) r ON true
      WHERE b.id = $1`,
    [budgetId, periodStart],
  );
  const row = rows[0];
  if (!row) throw new Error(`no budget ${budgetId}`);
  return {
    limit: row.limit_amount,
    spent: row.spent,
    reserved: row.reserved,
    heldRows: row.held_rows,
    committedRows: row.committed_rows,
    counts: { reserved: row.n_reserved, committed: row.n_committed, released: row.n_released },
    withinLimit: row.within_limit,
  };
}

/** Every reservation row of an action, by budget. */
export async function reservationsOf(db: Db, actionId: string): Promise<{ budgetId: string; status: string; amount: string; actual: string | null }[]> {
  const { rows } = await db.pool.query<{ budget_id: string; status: string; amount: string; actual_amount: string | null }>(
    'SELECT budget_id, status, amount, actual_amount FROM budget_reservations WHERE action_id = $1 ORDER BY budget_id',
    [actionId],
  );
  return rows.map((r) => ({ budgetId: r.budget_id, status: r.status, amount: r.amount, actual: r.actual_amount }));
}
