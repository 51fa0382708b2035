import { mkdtemp, mkdir, readdir, writeFile, cp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MIGRATIONS_DIR, migrate, readMigrations } from '@airlock/db';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '@airlock/db/embedded';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, withAdmin, withDatabase } from '../support/database.js';
import { freePorts } from '../support/ports.js';
import { loadDatamodel } from '../support/schema-dmmf.js';
import { findSchemaDrift } from '../support/schema-drift.js';

async function scratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `airlock_mig_${Math.random().toString(36).slice(2, 10)}`;
  await withAdmin(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  return {
    url: withDatabase(serverUrl, name),
    drop: () => withAdmin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Every migration folder, in the order Prisma applies them (by name). */
const allMigrations = async () =>
  (await readdir(MIGRATIONS_DIR, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

let pg18: EmbeddedDatabase;
let pg18Dir: string;

beforeAll(async () => {
  pg18Dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-pg18-'));
  pg18 = await startOnFreePort(pg18Dir);
});

/**
 * A port below the ephemeral range, free when probed (freePorts). Another process may
 * still bind it before PostgreSQL does (a busy machine runs many test servers): then a
 * fresh port, at most three times. A random port in 20000-40000 once collided with an
 * outgoing connection's port (33161, inside Linux's ephemeral range).
 */
async function startOnFreePort(dataDir: string): Promise<EmbeddedDatabase> {
  for (let attempt = 1; ; attempt++) {
    const [port] = (await freePorts(1)) as [number];
    try {
      return await startEmbeddedPostgres(dataDir, port);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error && error.message.includes('Address already in use'))) throw error;
    }
  }
}
afterAll(async () => {
  await pg18?.stop();
  await rm(pg18Dir, { recursive: true, force: true });
  // As root, a cluster under a private temp directory lives in /var/lib/airlock/clusters.
  if (pg18) await rm(pg18.clusterDir, { recursive: true, force: true });
});

describe.each([
  ['PostgreSQL 15 (machine)', () => adminUrl],
  ['PostgreSQL 18 (embedded)', () => withDatabase(pg18.url, 'postgres')],
])('migrations on %s', (_label, server) => {
  it('match the Prisma schema exactly (no drift)', async () => {
    const db = await scratchDatabase(server());
    try {
      expect(await migrate(db.url)).toEqual(await allMigrations());
      expect(await findSchemaDrift(db.url, loadDatamodel())).toEqual([]);
      const version = await query<{ server_version: string }>(db.url, 'SHOW server_version');
      expect(version[0]?.server_version).toMatch(/^\d+/);
    } finally {
      await db.drop();
    }
  });

  it("keep Prisma's _prisma_migrations bookkeeping and are idempotent", async () => {
    const db = await scratchDatabase(server());
    try {
      await migrate(db.url);
      expect(await migrate(db.url)).toEqual([]);
      const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
        db.url,
        'SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations',
      );
      const [files] = [await readMigrations()];
      expect(rows).toEqual(files.map((f) => ({ migration_name: f.name, checksum: f.checksum, finished_at: expect.any(Date), applied_steps_count: 1 })));
      expect(rows[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await db.drop();
    }
  });
});

describe('the offline migrator', () => {
  it('applies each migration once when several processes migrate at the same time', async () => {
    const db = await scratchDatabase(adminUrl);
    try {
      const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
      expect(results.flat()).toEqual(await allMigrations());
    } finally {
      await db.drop();
    }
  });

  it('rolls a failing migration back completely and records the failure like Prisma', async () => {
    const db = await scratchDatabase(adminUrl);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await mkdir(path.join(dir, '20991231000000_broken'));
      await writeFile(path.join(dir, '20991231000000_broken', 'migration.sql'), 'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n');
      await expect(migrate(db.url, { dir })).rejects.toThrow(/20991231000000_broken failed and was rolled back: .*no_such_table/);
      const tables = await query<{ n: string }>(db.url, "SELECT count(*)::text AS n FROM information_schema.tables WHERE table_name = 'half_done'");
      expect(tables[0]?.n).toBe('0');
      const rows = await query<{ logs: string | null; rolled_back_at: Date | null }>(
        db.url,
        "SELECT logs, rolled_back_at FROM _prisma_migrations WHERE migration_name = '20991231000000_broken'",
      );
      expect(rows).toEqual([{ logs: expect.stringContaining('no_such_table'), rolled_back_at: expect.any(Date) }]);
      // The earlier migration stays applied; fixing the file lets the next run succeed.
      await writeFile(path.join(dir, '20991231000000_broken', 'migration.sql'), 'CREATE TABLE half_done (id int);\n');
      expect(await migrate(db.url, { dir })).toEqual(['20991231000000_broken']);
    } finally {
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to run when an applied migration was edited afterwards', async () => {
    const db = await scratchDatabase(adminUrl);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await migrate(db.url, { dir });
      const file = path.join(dir, '20261122000000_init', 'migration.sql');
      await writeFile(file, '-- edited\n', { flag: 'a' });
      await expect(migrate(db.url, { dir })).rejects.toThrow(/20261122000000_init was edited after it was applied/);
    } finally {
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the drift check itself', () => {
  it('reports a column the schema does not know and a missing index', async () => {
    const db = await scratchDatabase(adminUrl);
    try {
      await migrate(db.url);
      await query(db.url, 'ALTER TABLE actions ADD COLUMN sneaky text; DROP INDEX actions_status_created_at_idx; ALTER TABLE users ALTER COLUMN name DROP NOT NULL');
      const drift = await findSchemaDrift(db.url, loadDatamodel());
      expect(drift).toEqual(
        expect.arrayContaining([
          'column actions.sneaky is in the database but not in the schema',
          'missing index: normal actions(status, created_at)',
          'column users.name: nullable, schema says required',
        ]),
      );
    } finally {
      await db.drop();
    }
  });
});
