import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { migrate, readMigrations } from '@airlock/db';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnChild } from '../support/child.js';
import { adminUrl, withAdmin, withDatabase } from '../support/database.js';

// A migration cut off part-way (a second Ctrl-C, SIGKILL, the OOM killer, a lost connection) must
// not stop every later start: nothing of it committed, so the next run applies it again. An
// unfinished row Prisma's engine left may be a script that did commit: never applied twice.

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const exec = promisify(execFile);
// Held by the test: the slow migration waits on it part-way, so the test knows where it is.
const GATE = 4_242_001;

let url: string;
let dropDatabase: () => Promise<void>;
let dir: string;

beforeEach(async () => {
  const name = `airlock_mig_${Math.random().toString(36).slice(2, 10)}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  url = withDatabase(adminUrl, name);
  dropDatabase = () => withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined);
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-migrations-'));
});

afterEach(async () => {
  await dropDatabase();
  await rm(dir, { recursive: true, force: true });
});

async function addMigration(name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name));
  await writeFile(path.join(dir, name, 'migration.sql'), sql);
}

async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const tables = async () =>
  (await query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY 1")).map(
    (r) => r.table_name,
  );

const bookkeeping = (name: string) =>
  query<{ finished_at: Date | null; rolled_back_at: Date | null; logs: string | null }>(
    'SELECT finished_at, rolled_back_at, logs FROM "_prisma_migrations" WHERE migration_name = $1 ORDER BY started_at, finished_at NULLS FIRST',
    [name],
  );

/** Polls (a database round trip a step) until another backend of the database waits for the gate. */
async function untilWaitingAtGate(child: { isRunning(): boolean; output(): string }): Promise<void> {
  for (;;) {
    const [row] = await query<{ waiting: boolean }>(
      "SELECT coalesce(bool_or(wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock%'), false) AS waiting FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    if (row?.waiting) return;
    if (!child.isRunning()) throw new Error(`the migrator exited before reaching the gate:\n${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An unfinished row as the migrator before this fix, or Prisma's engine, left it. */
async function leaveUnfinishedRow(name: string, logs: string | null): Promise<void> {
  const migration = (await readMigrations(dir)).find((m) => m.name === name)!;
  const [table] = await query<{ exists: boolean }>("SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists");
  if (!table?.exists) {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'airlock-no-migrations-'));
    await migrate(url, { dir: empty }); // creates the bookkeeping table
    await rm(empty, { recursive: true });
  }
  await query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, logs, applied_steps_count) VALUES (gen_random_uuid()::text, $1, $2, now(), $3, 0)', [
    migration.checksum,
    name,
    logs,
  ]);
}

/** As Prisma's engine leaves a migration whose script committed but whose row was never finished (a crash in between). */
async function unfinishAfterCommit(name: string, appliedSteps: number): Promise<void> {
  await query('UPDATE "_prisma_migrations" SET finished_at = NULL, applied_steps_count = $2 WHERE migration_name = $1', [name, appliedSteps]);
}

const counter = async () => (await query<{ n: number }>('SELECT n FROM counter')).map((r) => r.n);

describe('a migration interrupted part-way', () => {
  it('a migrator SIGKILLed in the middle of a migration leaves nothing behind: the next run applies it', async () => {
    await addMigration('20260101000000_first', 'CREATE TABLE first_table (id int);\n');
    await addMigration('20260101000001_slow', `CREATE TABLE before_gate (id int);\nSELECT pg_advisory_xact_lock(${GATE});\nCREATE TABLE after_gate (id int);\n`);
    const script = path.join(dir, 'run.mts');
    await writeFile(
      script,
      `import { migrate } from ${JSON.stringify(path.join(repoRoot, 'prisma/src/migrate.ts'))};\nawait migrate(process.argv[2]!, { dir: process.argv[3]! });\n`,
    );
    const gate = new pg.Client({ connectionString: url });
    await gate.connect();
    try {
      await gate.query('SELECT pg_advisory_lock($1)', [GATE]);
      const child = await spawnChild('migrator', process.execPath, ['--import', 'tsx', script, url, dir], { cwd: repoRoot });
      try {
        await untilWaitingAtGate(child);
        // Its bookkeeping row is inside its transaction: nothing says it started until it commits.
        expect(await bookkeeping('20260101000001_slow')).toEqual([]);
      } finally {
        await child.stop('SIGKILL');
      }
      // Its backend finishes the statement it was running, finds the client gone and rolls back.
      await gate.query('SELECT pg_advisory_unlock($1)', [GATE]);
    } finally {
      await gate.end();
    }

    expect(await migrate(url, { dir })).toEqual(['20260101000001_slow']);
    expect(await tables()).toEqual(['after_gate', 'before_gate', 'first_table']);
    expect(await bookkeeping('20260101000001_slow')).toEqual([{ finished_at: expect.any(Date), rolled_back_at: null, logs: null }]);
  });

  it('a migration whose connection is lost part-way says so, and the next run applies it', async () => {
    await addMigration('20260101000000_slow', `CREATE TABLE before_gate (id int);\nSELECT pg_advisory_xact_lock(${GATE});\nCREATE TABLE after_gate (id int);\n`);
    const gate = new pg.Client({ connectionString: url });
    await gate.connect();
    let migrated: Promise<PromiseSettledResult<string[]>>;
    try {
      await gate.query('SELECT pg_advisory_lock($1)', [GATE]);
      migrated = Promise.allSettled([migrate(url, { dir })]).then(([settled]) => settled);
      await untilWaitingAtGate({ isRunning: () => true, output: () => '' });
      await gate.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_advisory_xact_lock%' AND pid <> pg_backend_pid()",
      );
    } finally {
      await gate.end();
    }
    const outcome = await migrated;
    expect(outcome.status === 'rejected' && String(outcome.reason)).toMatch(/migration 20260101000000_slow did not complete: .*the connection was lost/);
    expect(await migrate(url, { dir })).toEqual(['20260101000000_slow']);
    expect(await tables()).toEqual(['after_gate', 'before_gate']);
  });

  it('an unfinished row an earlier version (or Prisma) left for a one-transaction migration is marked rolled back and the migration applied', async () => {
    await addMigration('20260101000000_first', 'CREATE TABLE first_table (id int);\n');
    await addMigration(
      '20260101000001_second',
      'CREATE FUNCTION second_fn() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$;\nCREATE TABLE second_table (id int);\n',
    );
    await addMigration('20260101000002_third', 'CREATE TABLE third_table (id int);\n');
    await leaveUnfinishedRow('20260101000000_first', null);
    await leaveUnfinishedRow('20260101000001_second', 'ERROR: Prisma recorded this failure');

    const lines: string[] = [];
    expect(await migrate(url, { dir, log: (line) => lines.push(line) })).toEqual(['20260101000000_first', '20260101000001_second', '20260101000002_third']);
    expect(lines).toContain('migration 20260101000000_first did not finish in an earlier run and none of it committed; marked it rolled back');
    expect(await tables()).toEqual(['first_table', 'second_table', 'third_table']);
    expect(await bookkeeping('20260101000000_first')).toEqual([
      { finished_at: null, rolled_back_at: expect.any(Date), logs: expect.stringContaining('interrupted before it committed') },
      { finished_at: expect.any(Date), rolled_back_at: null, logs: null },
    ]);
    expect((await bookkeeping('20260101000001_second'))[0]).toEqual({ finished_at: null, rolled_back_at: expect.any(Date), logs: 'ERROR: Prisma recorded this failure' });
  });

  it('one that may have committed in part (it ends its own transaction) is left to a person, with a command that works', async () => {
    await addMigration('20260101000000_split', 'CREATE TABLE split_a (id int);\nCOMMIT;\nCREATE TABLE split_b (id int);\n');
    await leaveUnfinishedRow('20260101000000_split', null);

    await expect(migrate(url, { dir })).rejects.toThrow(
      /migration 20260101000000_split did not finish in an earlier run and part of it may have committed \(it has a top-level COMMIT statement\); .*`npm run migrate -- --rolled-back 20260101000000_split`/,
    );
    const { stdout } = await exec('npm', ['run', '--silent', 'migrate', '--', '--rolled-back', '20260101000000_split'], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: url },
    });
    expect(stdout).toContain('migration 20260101000000_split marked rolled back');
    expect(await migrate(url, { dir })).toEqual(['20260101000000_split']);
    expect(await tables()).toEqual(['split_a', 'split_b']);
  });

  it('an unfinished row whose step Prisma counted (the script committed) is refused, not run again, and the command given records it applied', async () => {
    await addMigration('20260101000000_counter', 'CREATE TABLE counter (n int);\nINSERT INTO counter VALUES (1);\n');
    await addMigration('20260101000001_bump', 'ALTER TABLE counter ADD COLUMN note text;\nUPDATE counter SET n = n + 1;\n');
    await migrate(url, { dir });
    await unfinishAfterCommit('20260101000001_bump', 1);

    const refusal = await migrate(url, { dir }).then(
      () => '',
      (error: unknown) => String(error),
    );
    expect(refusal).toMatch(
      /migration 20260101000001_bump did not finish in an earlier run and all of it committed \(applied_steps_count 1: .*\), but it was never recorded finished; .*`npm run migrate -- --rolled-back 20260101000001_bump`/,
    );
    expect(await counter()).toEqual([2]);
    expect(await bookkeeping('20260101000001_bump')).toEqual([{ finished_at: null, rolled_back_at: null, logs: null }]);

    expect(refusal).toMatch(/record it applied with `npm run migrate -- --applied 20260101000001_bump`$/);
    const { stdout } = await exec('npm', ['run', '--silent', 'migrate', '--', '--applied', '20260101000001_bump'], { cwd: repoRoot, env: { ...process.env, DATABASE_URL: url } });
    expect(stdout).toContain('migration 20260101000001_bump recorded applied');
    expect(await bookkeeping('20260101000001_bump')).toEqual([{ finished_at: expect.any(Date), rolled_back_at: null, logs: null }]);
    expect(await migrate(url, { dir })).toEqual([]);
    expect(await counter()).toEqual([2]);
  });

  it('an unfinished row whose script had committed after all is refused when running it again fails, its row left unfinished', async () => {
    await addMigration('20260101000000_counter', 'CREATE TABLE counter (n int);\nINSERT INTO counter VALUES (1);\n');
    await addMigration('20260101000001_bump', 'ALTER TABLE counter ADD COLUMN note text;\nUPDATE counter SET n = n + 1;\n');
    await migrate(url, { dir });
    await unfinishAfterCommit('20260101000001_bump', 0);

    await expect(migrate(url, { dir })).rejects.toThrow(
      /migration 20260101000001_bump did not finish in an earlier run and all of it may have committed then: running it again failed \(column "note" of relation "counter" already exists\) and was rolled back, that attempt left as it was; .*`npm run migrate -- --rolled-back 20260101000001_bump`/,
    );
    expect(await counter()).toEqual([2]);
    expect(await bookkeeping('20260101000001_bump')).toEqual([{ finished_at: null, rolled_back_at: null, logs: null }]);
  });

  it('an unfinished row whose script would succeed twice (nothing in it fails when repeated) is refused without running it again', async () => {
    await addMigration('20260101000000_counter', 'CREATE TABLE counter (n int);\nINSERT INTO counter VALUES (1);\n');
    await addMigration('20260101000001_bump', 'UPDATE counter SET n = n + 1;\n');
    await migrate(url, { dir });
    await unfinishAfterCommit('20260101000001_bump', 0);

    await expect(migrate(url, { dir })).rejects.toThrow(
      /migration 20260101000001_bump did not finish in an earlier run and all of it may have committed, and running it again is not sure to fail if so \(nothing in it fails when run again .*\); .*`npm run migrate -- --rolled-back 20260101000001_bump`/,
    );
    expect(await counter()).toEqual([2]);
    expect(await bookkeeping('20260101000001_bump')).toEqual([{ finished_at: null, rolled_back_at: null, logs: null }]);
  });
});
