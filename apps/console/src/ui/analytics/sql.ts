import type { Db } from '@airlock/db';
import type pg from 'pg';
import { bucketInterval, bucketStarts, type AnalyticsRange } from './window.js';

/**
 * Runs one analytics query in a read-only transaction with settings of its own:
 * - JIT off: past `jit_above_cost` PostgreSQL compiles a month's aggregate with
 *   LLVM first; measured here, 720–920 ms per query instead of 280–350 ms, the
 *   difference being LLVM inlining and optimization (bench/CONSOLE.md).
 * - work_mem 32 MB: a month's sorts and percentile_cont spill to disk at 4 MB.
 * - random_page_cost 1.1: the tables these read are cached, so probing an index
 *   (the approvals of the window's actions) beats hashing a whole table for a
 *   day's window; the default 4 assumes spinning disks.
 */
export async function analyticsQuery<Row extends pg.QueryResultRow>(db: Db, sql: string, params: unknown[]): Promise<Row[]> {
  const client = await db.pool.connect();
  try {
    await client.query("BEGIN READ ONLY; SET LOCAL jit = off; SET LOCAL work_mem = '32MB'; SET LOCAL random_page_cost = 1.1");
    const { rows } = await client.query<Row>(sql, params);
    await client.query('COMMIT');
    return rows;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The first three parameters every bucketed query takes: $1 from, $2 to, $3 the bucket interval. */
export const rangeParams = (range: AnalyticsRange): [Date, Date, string] => [range.from, range.to, bucketInterval(range.bucket)];

/**
 * SQL returns only the buckets that have rows; the charts need every bucket of
 * the range, in order, with `empty` where nothing happened.
 */
export function fillBuckets<Row extends { bucket: Date }, Value>(
  range: AnalyticsRange,
  rows: Row[],
  toValue: (row: Row) => Value,
  empty: () => Value,
): { start: Date; value: Value }[] {
  const byStart = new Map(rows.map((row) => [row.bucket.getTime(), row]));
  return bucketStarts(range).map((start) => {
    const row = byStart.get(start.getTime());
    return { start, value: row ? toValue(row) : empty() };
  });
}
