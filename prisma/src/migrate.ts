import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { scriptAtomicity, scriptRerun } from './migration-sql.js';

/**
 * Applies prisma/migrations offline, keeping Prisma's `_prisma_migrations`
 * bookkeeping exactly (checksum = SHA-256 hex of migration.sql), so `prisma
 * migrate status|deploy` agree on a connected machine. Each migration and its
 * bookkeeping row commit in one transaction, so an interrupted run (SIGKILL, a
 * lost connection) leaves no trace and the next run simply applies it again.
 * Advisory locks keep two processes, ours or Prisma's, from migrating at once.
 */

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../migrations');

// Arbitrary constant: the advisory lock id all Airlock migrators agree on.
const MIGRATION_LOCK_ID = 7_240_110_001;
// The one Prisma's schema engine takes: while we hold it, no `prisma migrate deploy` is half-way through.
const PRISMA_MIGRATE_LOCK_ID = 72_707_369;

const CREATE_BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

interface BookkeepingRow {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  applied_steps_count: number;
}

/** Applies pending migrations; returns the names applied. Safe to run concurrently and repeatedly. */
export async function migrate(databaseUrl: string, options: { dir?: string; log?: (line: string) => void } = {}): Promise<string[]> {
  const log = options.log ?? (() => undefined);
  const dir = options.dir ?? MIGRATIONS_DIR;
  const migrations = await readMigrations(dir);
  return withMigrationLock(databaseUrl, async (client) => {
    const { rows } = await client.query<BookkeepingRow>(
      'SELECT id, migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const applied = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r]));
    const interrupted = rows.filter((r) => r.finished_at === null);
    for (const row of interrupted) {
      const doubt = whyInDoubt(row, migrations, dir, applied);
      if (doubt) throw inDoubt(row, doubt);
    }
    const known = new Set(migrations.map((m) => m.name));
    for (const name of applied.keys()) {
      if (!known.has(name)) throw new MigrationError(`the database has migration ${name}, which is not in ${dir}`);
    }
    const done: string[] = [];
    for (const migration of migrations) {
      const previous = applied.get(migration.name);
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          throw new MigrationError(`migration ${migration.name} was edited after it was applied (checksum differs)`);
        }
        continue;
      }
      const earlierAttempts = interrupted.filter((r) => r.migration_name === migration.name);
      await applyOne(client, migration, earlierAttempts);
      if (earlierAttempts.length) log(`migration ${migration.name} did not finish in an earlier run and none of it committed; marked it rolled back`);
      log(`applied migration ${migration.name}`);
      done.push(migration.name);
    }
    return done;
  });
}

/**
 * `npm run migrate -- --rolled-back <name>`: what `prisma migrate resolve --rolled-back` does
 * (its native engine is not available here), for an attempt the migrator cannot prove left nothing.
 */
export async function markRolledBack(databaseUrl: string, name: string): Promise<void> {
  await withMigrationLock(databaseUrl, async (client) => {
    const { rowCount } = await client.query('UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL', [
      name,
    ]);
    if (!rowCount) throw new MigrationError(`migration ${name} has no unfinished attempt to mark rolled back`);
  });
}

/**
 * `npm run migrate -- --applied <name>`: what `prisma migrate resolve --applied` does, for an unfinished attempt a
 * person found (or made) whole in the database: recorded finished, so it is not applied again.
 */
export async function markApplied(databaseUrl: string, name: string): Promise<void> {
  await withMigrationLock(databaseUrl, async (client) => {
    const { rowCount } = await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL',
      [name],
    );
    if (!rowCount) throw new MigrationError(`migration ${name} has no unfinished attempt to record applied`);
  });
}

async function withMigrationLock<T>(databaseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  // A lost connection also fails the query under way, which reports it; unheard, this event would end the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    // Always in this order, so two Airlock migrators never hold one each.
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_ID]);
    await client.query(CREATE_BOOKKEEPING);
    return await work(client);
  } finally {
    await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    await client.end();
  }
}

/**
 * A row without finished_at is an attempt that never recorded its end: one this migrator made
 * before it wrote the row inside the migration's transaction (nothing committed: that version
 * set finished_at in the same transaction), or one of Prisma's, which inserts the row, runs the
 * script, counts its step (applied_steps_count) and sets finished_at, each committed apart: its
 * script may have committed in full. The columns cannot tell the two apart, and with both locks
 * held neither is running, nor did either apply a later migration after it. So the attempt is
 * retried only when that is sure to be harmless: a script that is one transaction as written, and
 * would fail (changing nothing) were it already applied; the retry marks the attempt rolled back
 * in its own transaction, so a failing retry leaves it as it was. Anything else, a person decides.
 */
function whyInDoubt(row: BookkeepingRow, migrations: MigrationFile[], dir: string, applied: Map<string, BookkeepingRow>): string | undefined {
  if (row.applied_steps_count > 0) {
    return `all of it committed (applied_steps_count ${row.applied_steps_count}: Prisma counts the step once the script has committed), but it was never recorded finished`;
  }
  const migration = migrations.find((m) => m.name === row.migration_name);
  if (!migration) return `part of it may have committed (it is not in ${dir})`;
  // The script that ran is known only by its checksum: an edited file says nothing about it.
  if (migration.checksum !== row.checksum) return 'part of it may have committed (its migration.sql was edited since)';
  if (applied.has(row.migration_name)) return 'another attempt of it is recorded as applied';
  const atomicity = scriptAtomicity(migration.sql);
  if (!atomicity.atomic) return `part of it may have committed (${atomicity.reason})`;
  const rerun = scriptRerun(migration.sql);
  if (!rerun.safe) return `all of it may have committed, and running it again is not sure to fail if so (${rerun.reason})`;
  return undefined;
}

function inDoubt(row: BookkeepingRow, doubt: string): MigrationError {
  const name = row.migration_name;
  return new MigrationError(
    `migration ${name} did not finish in an earlier run and ${doubt}; put the database right by hand: ` +
      `either as it was before it, then mark it rolled back with \`npm run migrate -- --rolled-back ${name}\` (DATABASE_URL set) and start again, which applies it; ` +
      `or with all of it, then record it applied with \`npm run migrate -- --applied ${name}\``,
  );
}

/**
 * The migration and its bookkeeping row commit together or not at all; so does marking its
 * earlier attempts rolled back, which a failure here leaves unfinished and in doubt.
 */
async function applyOne(client: pg.Client, migration: MigrationFile, earlierAttempts: BookkeepingRow[]): Promise<void> {
  const id = randomUUID();
  try {
    await client.query('BEGIN');
    for (const attempt of earlierAttempts) {
      await client.query('UPDATE "_prisma_migrations" SET rolled_back_at = now(), logs = coalesce(logs, $2) WHERE id = $1', [
        attempt.id,
        'interrupted before it committed; marked rolled back by the Airlock migrator (none of it committed: running it again, one transaction, succeeded)',
      ]);
    }
    await client.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)', [
      id,
      migration.checksum,
      migration.name,
    ]);
    await client.query(migration.sql);
    await client.query('UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1', [id]);
    await client.query('COMMIT');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const rolledBack = await client.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    if (!rolledBack) {
      throw new MigrationError(
        `migration ${migration.name} did not complete: ${message} (the connection was lost: the database kept it only if its commit got through; running again applies it otherwise)`,
      );
    }
    const [earlier] = earlierAttempts;
    if (earlier) throw inDoubt(earlier, `all of it may have committed then: running it again failed (${message}) and was rolled back, that attempt left as it was`);
    // Recorded like Prisma's failed attempt resolved as rolled back: history for an operator, nothing to resolve.
    await client
      .query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, logs, rolled_back_at, applied_steps_count) VALUES ($1, $2, $3, now(), $4, now(), 0)', [
        id,
        migration.checksum,
        migration.name,
        message,
      ])
      .catch(() => undefined);
    throw new MigrationError(`migration ${migration.name} failed and was rolled back: ${message}`);
  }
}
