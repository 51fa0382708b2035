import type pg from 'pg';

/** A column of a batch insert: its name and the PostgreSQL array type its values are sent as. */
export type Column = readonly [name: string, arrayType: string];

/**
 * Inserts rows in batches of `batchSize` with one statement each:
 * `INSERT ... SELECT * FROM unnest($1::t1[], $2::t2[], ...)`, so a million rows
 * cost a few hundred round trips instead of a million.
 */
export async function insertRows(pool: pg.Pool, table: string, columns: readonly Column[], rows: readonly (readonly unknown[])[], batchSize = 5000): Promise<void> {
  const sql = `INSERT INTO ${table} (${columns.map(([name]) => name).join(', ')})
               SELECT * FROM unnest(${columns.map(([, type], i) => `$${i + 1}::${type}`).join(', ')})`;
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    await pool.query(
      sql,
      columns.map((_, i) => batch.map((row) => row[i])),
    );
  }
}
