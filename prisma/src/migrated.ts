import type { Db } from './client.js';
import { MIGRATIONS_DIR, readMigrations } from './migrate.js';
import { sqlState } from './governance/transaction.js';

/** The database lacks this build's schema: the message names what to run. */
export class NotMigratedError extends Error {
  override readonly name = 'NotMigratedError';
}

/**
 * For processes that do not migrate (scale-out workers, the CLI): fails fast, naming what is
 * missing, when the database is behind this build's migrations. Any other failure (no server,
 * no such database, a refused password) is rethrown as it is.
 */
export async function assertMigrated(db: Db, dir = MIGRATIONS_DIR): Promise<void> {
  const expected = (await readMigrations(dir)).map((m) => m.name);
  let applied: string[];
  try {
    const { rows } = await db.pool.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL');
    applied = rows.map((r) => r.migration_name);
  } catch (error) {
    // 42P01, undefined_table: never migrated.
    if (sqlState(error) !== '42P01') throw error;
    throw new NotMigratedError(`the database has no Airlock schema (${error instanceof Error ? error.message : String(error)}); run \`npm run migrate\` first`, { cause: error });
  }
  const missing = expected.filter((name) => !applied.includes(name));
  if (missing.length) throw new NotMigratedError(`the database is missing migration(s) ${missing.join(', ')}; run \`npm run migrate\` first`);
}
