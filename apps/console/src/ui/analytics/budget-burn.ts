import type { Db } from '@airlock/db';
import { analyticsQuery, fillBuckets, rangeParams } from './sql.js';
import type { AnalyticsRange } from './window.js';

/** Amounts are exact decimal strings from PostgreSQL; charts convert them to numbers only to draw. */
export interface BurnAmounts {
  spent: string;
  reserved: string;
}

export interface BudgetBurn {
  budgetId: string;
  /** "agent billing-bot", "team billing", "tenant *". */
  label: string;
  currency: string;
  period: 'day' | 'month';
  limit: string;
  total: BurnAmounts;
  buckets: { start: Date; amounts: BurnAmounts }[];
}

/** Budgets drawn on the page: the ones that moved most; the rest would be unreadable small multiples. */
export const BUDGET_BURN_LIMIT = 6;

interface Row {
  budget_id: string;
  bucket: Date | null;
  scope: string;
  target: string;
  currency: string;
  period: 'day' | 'month';
  limit_amount: string;
  spent: string;
  reserved: string;
}

/**
 * Money by when it moved: spending when a reservation was committed (its
 * actual amount), money still held by when it was reserved. Both are
 * `updated_at`: a held reservation has never been updated since its insert set
 * it, and commit and release set it. Released reservations moved nothing. The
 * (budget, bucket) rows draw the charts; the (budget) grouping set gives exact
 * window totals in the same scan of the updated_at index.
 */
const SQL = `
  WITH moved AS (
    SELECT r.budget_id,
           date_bin($3::interval, r.updated_at, $1) AS bucket,
           -- 0.00, not 0: a sum keeps its inputs' largest scale, so a window with nothing spent reads
           -- "0.00 USD" beside "120.00 USD" (the columns are numeric(18, 2)), not "0 USD".
           CASE WHEN r.status = 'committed' THEN coalesce(r.actual_amount, r.amount) ELSE 0.00 END AS spent,
           CASE WHEN r.status = 'reserved' THEN r.amount ELSE 0.00 END AS reserved
      FROM budget_reservations r
     WHERE r.updated_at >= $1 AND r.updated_at < $2 AND r.status IN ('committed', 'reserved')
  ),
  sums AS (
    SELECT budget_id, bucket, sum(spent) AS spent, sum(reserved) AS reserved
      FROM moved GROUP BY GROUPING SETS ((budget_id, bucket), (budget_id))
  ),
  ranked AS (
    SELECT budget_id FROM sums WHERE bucket IS NULL ORDER BY spent + reserved DESC, budget_id LIMIT $4
  )
  SELECT s.budget_id, s.bucket, b.scope::text AS scope, b.target, b.currency, b.period::text AS period, b.limit_amount::text AS limit_amount,
         s.spent::text AS spent, s.reserved::text AS reserved
    FROM sums s
    JOIN ranked USING (budget_id)
    JOIN budgets b ON b.id = s.budget_id
   ORDER BY s.spent + s.reserved DESC, s.budget_id`;

function label(scope: string, target: string): string {
  return scope === 'tenant' ? 'whole tenant' : `${scope} ${target}`;
}

export async function budgetBurn(db: Db, range: AnalyticsRange): Promise<BudgetBurn[]> {
  const [from, to, interval] = rangeParams(range);
  const rows = await analyticsQuery<Row>(db, SQL, [from, to, interval, BUDGET_BURN_LIMIT]);
  const totals = rows.filter((r) => r.bucket === null);
  return totals.map((total) => {
    const bucketed = rows.filter((r): r is Row & { bucket: Date } => r.budget_id === total.budget_id && r.bucket !== null);
    return {
      budgetId: total.budget_id,
      label: label(total.scope, total.target),
      currency: total.currency,
      period: total.period,
      limit: total.limit_amount,
      total: { spent: total.spent, reserved: total.reserved },
      buckets: fillBuckets(
        range,
        bucketed,
        (r) => ({ spent: r.spent, reserved: r.reserved }),
        () => ({ spent: '0.00', reserved: '0.00' }),
      ).map(({ start, value }) => ({
        start,
        amounts: value,
      })),
    };
  });
}
