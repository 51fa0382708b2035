import { readMigrations, type Db } from '@airlock/db';

/**
 * For processes that do not migrate (scale-out workers): fails fast, naming
 * what is missing, when the database is behind this build's migrations.
 */
export async function assertMigrated(db: Db): Promise<void> {
  const expected = (await readMigrations()).map((m) => m.name);
  let applied: string[];
  try {
    const { rows } = await db.pool.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL');
    applied = rows.map((r) => r.migration_name);
  } catch (error) {
    throw new Error(`the database has no Airlock schema (${error instanceof Error ? error.message : String(error)}); run \`npm run migrate\` first`, {
      cause: error,
    });
  }
  const missing = expected.filter((name) => !applied.includes(name));
  if (missing.length) throw new Error(`the database is missing migration(s) ${missing.join(', ')}; run \`npm run migrate\` first`);
}
