import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { runProcess } from '@airlock/core/spawn';
import type { ToolDefinition } from '@airlock/activities';
import { builtinTools, type SqlQueryOutput } from '@airlock/tools';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, createTestDatabase, withAdmin, type TestDatabase } from '../support/database.js';
import { callTool, findTool, marker, toolContext } from './support.js';

// A real database, reached as a least-privileged role (the tool refuses superusers by default).
let database: TestDatabase;
const role = `airlock_sqltool_${randomBytes(4).toString('hex')}`;
let roleUrl: string;
let readOnly: ToolDefinition;
let writable: ToolDefinition;

async function asOwner<T>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return await client.query<T & pg.QueryResultRow>(sql, params);
  } finally {
    await client.end();
  }
}
const itemCount = async () => Number((await asOwner<{ n: string }>('SELECT count(*) AS n FROM items')).rows[0]?.n);

beforeAll(async () => {
  database = await createTestDatabase();
  await withAdmin(adminUrl, (c) => c.query(`CREATE ROLE ${role} LOGIN`));
  await asOwner(`CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL)`);
  await asOwner(`INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 10) g`);
  await asOwner(`GRANT USAGE, CREATE ON SCHEMA public TO ${role}`);
  await asOwner(`GRANT SELECT, INSERT, UPDATE, DELETE ON items TO ${role}`);
  await asOwner(`GRANT USAGE ON SEQUENCE items_id_seq TO ${role}`);
  const url = new URL(database.url);
  url.username = role;
  roleUrl = url.toString();
  readOnly = findTool(builtinTools({ sql: { url: roleUrl, maxRows: 5 } }), 'sql.query');
  writable = findTool(builtinTools({ sql: { url: roleUrl, allowWrites: true, maxChangedRows: 3, statementTimeoutMs: 500 } }), 'sql.query');
});
afterAll(async () => {
  await database?.drop();
  await withAdmin(adminUrl, (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
});

const query = (tool: ToolDefinition, args: Record<string, unknown>, key = marker('key')) => callTool(tool, args, toolContext({ idempotencyKey: key })) as Promise<SqlQueryOutput>;

describe('reads', () => {
  it('runs a parameterised read and cuts rows at the cap', async () => {
    const result = await query(readOnly, { sql: 'SELECT id, name FROM items WHERE id > $1 ORDER BY id', params: [2] });
    expect(result).toMatchObject({ command: 'SELECT', rowCount: 5, fields: ['id', 'name'], truncated: true, truncatedBy: 'maxRows' });
    expect(result.rows).toHaveLength(5);
    const whole = await query(readOnly, { sql: 'SELECT id FROM items WHERE id > $1 ORDER BY id', params: [7] });
    expect(whole).toMatchObject({ command: 'SELECT', rowCount: 3, fields: ['id'], truncated: false, rows: [{ id: 8 }, { id: 9 }, { id: 10 }] });
    expect(whole).not.toHaveProperty('truncatedBy');
  });
});

const BIG_STATEMENT_MS = 60_000;

describe('red team: a huge answer is never read whole', { timeout: 2 * BIG_STATEMENT_MS }, () => {
  /**
   * sql.query in a child process with a 128 MB heap, as a worker holding it would be: its exit and its output.
   * The statement timeout leaves a loaded server time to build half a gigabyte.
   */
  async function inChild(sql: string, maxRows: number) {
    const script = path.join(import.meta.dirname, 'sql-query-child.ts');
    const args = ['--max-old-space-size=128', '--import', 'tsx', script, roleUrl, sql, String(maxRows), String(BIG_STATEMENT_MS)];
    const run = await runProcess('sql.query in a worker with a small heap', process.execPath, args);
    return { code: run.code, stderr: run.stderr, output: run.code === 0 ? (JSON.parse(run.stdout) as Record<string, unknown>) : undefined };
  }

  it('a field over 512 MiB (which node-postgres cannot make a string: it threw in its socket handler and the worker died) ends the read at maxResultBytes', async () => {
    const { code, stderr, output } = await inChild("SELECT repeat(repeat('x', 1000000), 540) AS x", 10);
    expect(code, stderr).toBe(0);
    expect(output).toMatchObject({ command: 'SELECT', rowsKept: 0, truncated: true, truncatedBy: 'maxResultBytes' });
    expect(output?.outputBytes).toBeLessThan(1024);
  });

  it('60 rows of 4 MB with maxRows 10 no longer exhaust a 128 MB heap: the rows past the cap are never sent', async () => {
    const { code, stderr, output } = await inChild("SELECT g, repeat('x', 4000000) AS x FROM generate_series(1, 60) g", 10);
    expect(code, stderr).toBe(0);
    // 4 MB rows pass the 512 KiB default at once: none comes whole.
    expect(output).toMatchObject({ rowsKept: 0, truncated: true, truncatedBy: 'maxResultBytes' });
  });

  it('keeps the rows that came whole before maxResultBytes, and the worker can query again', async () => {
    const capped = findTool(builtinTools({ sql: { url: roleUrl, maxRows: 100, maxResultBytes: 256 * 1024 } }), 'sql.query');
    const result = await query(capped, { sql: "SELECT g, repeat('y', 100000) AS y FROM generate_series(1, 50) g ORDER BY g" });
    expect(result).toMatchObject({ command: 'SELECT', fields: ['g', 'y'], truncated: true, truncatedBy: 'maxResultBytes' });
    expect(result.rows.length).toBeGreaterThanOrEqual(2);
    expect(result.rows.length).toBeLessThanOrEqual(3);
    expect(result.rowCount).toBe(result.rows.length);
    expect(result.rows.map((r) => (r as { g: number }).g)).toEqual(Array.from({ length: result.rows.length }, (_, i) => i + 1));
    expect(await query(capped, { sql: 'SELECT count(*)::int AS n FROM items' })).toMatchObject({ rows: [{ n: 10 }], truncated: false });
  });

  it('a write whose answer passes maxResultBytes is rolled back', async () => {
    const capped = findTool(builtinTools({ sql: { url: roleUrl, allowWrites: true, maxResultBytes: 16 * 1024 } }), 'sql.query');
    const name = marker('big');
    await expect(query(capped, { sql: 'INSERT INTO items (name) VALUES ($1) RETURNING repeat(name, 2000) AS big', params: [name], mode: 'write' })).rejects.toThrow(
      /passed maxResultBytes \(16384 bytes\); the connection was dropped and the write rolled back/,
    );
    expect((await asOwner<{ n: string }>('SELECT count(*) AS n FROM items WHERE name = $1', [name])).rows[0]?.n).toBe('0');
  });
});

describe('cancellation', () => {
  it('a call cancelled before its connection was made (no listener yet) never runs its statement', async () => {
    const name = marker('cancelled');
    const cancelled = AbortSignal.abort();
    const write = callTool(writable, { sql: 'INSERT INTO items (name) VALUES ($1)', params: [name], mode: 'write' }, toolContext({ signal: cancelled }));
    const written = await write.catch(() => undefined);
    // Deleted, not just counted, so a run that did insert leaves the other tests' ten items alone.
    expect((await asOwner('DELETE FROM items WHERE name = $1', [name])).rowCount).toBe(0);
    expect(written).toBeUndefined();
    await expect(write).rejects.toThrow(/sql.query: cancelled/);
    await expect(callTool(readOnly, { sql: 'SELECT 1' }, toolContext({ signal: cancelled }))).rejects.toThrow(/sql.query: cancelled/);
  });
});

describe('a cancellation while COMMIT is under way', () => {
  /** An advisory lock a deferred trigger waits for at COMMIT: held here, the write's COMMIT waits until it is released. */
  const COMMIT_GATE = 4_242_424;

  it('does not drop the connection: the write commits and is answered as written, never as rolled back', async () => {
    await asOwner(`CREATE TABLE IF NOT EXISTS gated (name text NOT NULL)`);
    await asOwner(`CREATE OR REPLACE FUNCTION gated_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(${COMMIT_GATE}); RETURN NULL; END $$`);
    await asOwner(`DROP TRIGGER IF EXISTS gated_commit ON gated`);
    await asOwner(`CREATE CONSTRAINT TRIGGER gated_commit AFTER INSERT ON gated DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION gated_commit()`);
    await asOwner(`GRANT INSERT ON gated TO ${role}`);
    const gate = new pg.Client({ connectionString: database.url });
    await gate.connect();
    try {
      await gate.query('BEGIN');
      await gate.query(`SELECT pg_advisory_xact_lock(${COMMIT_GATE})`);
      const name = marker('committing');
      const cancel = new AbortController();
      const write = callTool(writable, { sql: 'INSERT INTO gated (name) VALUES ($1)', params: [name], mode: 'write' }, toolContext({ signal: cancel.signal }));
      const settled = write.then(
        (output) => ({ output }),
        (error: unknown) => ({ error }),
      );
      // The write's COMMIT runs the deferred trigger, which waits for the gate.
      const waiting = () => asOwner<{ n: string }>(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = ${COMMIT_GATE} AND NOT granted`);
      await expect.poll(async () => (await waiting()).rows[0]?.n, { timeout: 30_000, interval: 50 }).toBe('1');
      cancel.abort();
      await gate.query('COMMIT');
      expect(await settled).toMatchObject({ output: { command: 'INSERT', rowCount: 1, changedRows: 1 } });
      expect((await asOwner('SELECT 1 FROM gated WHERE name = $1', [name])).rowCount).toBe(1);
    } finally {
      await gate.end();
    }
  });
});

describe('red team: SQL writes in read-only mode', () => {
  it('refuses a write statement, and one hidden in a CTE fails on the READ ONLY transaction', async () => {
    await expect(query(readOnly, { sql: "INSERT INTO items (name) VALUES ('x')" })).rejects.toThrow(/INSERT statements are not allowed in read mode/);
    await expect(query(readOnly, { sql: 'WITH gone AS (DELETE FROM items RETURNING *) SELECT count(*) FROM gone' })).rejects.toThrow(/read-only transaction/);
    await expect(query(readOnly, { sql: "SELECT nextval('items_id_seq')" })).rejects.toThrow(/read-only transaction/);
    expect(await itemCount()).toBe(10);
  });

  it('cannot smuggle a second statement past the transaction (extended protocol: one statement only)', async () => {
    await expect(query(readOnly, { sql: 'SELECT 1; COMMIT; DELETE FROM items' })).rejects.toThrow(/multiple commands|cannot insert multiple commands/);
    await expect(query(readOnly, { sql: '/* a comment */ COMMIT' })).rejects.toThrow(/COMMIT statements are not allowed/);
    expect(await itemCount()).toBe(10);
  });

  it('refuses mode "write" where the worker does not allow writes', async () => {
    await expect(query(readOnly, { sql: 'DELETE FROM items WHERE id = 1', mode: 'write' })).rejects.toThrow(/writes are disabled on this worker/);
    expect(await itemCount()).toBe(10);
  });

  it('refuses to run as a superuser unless configured', async () => {
    const superuser = findTool(builtinTools({ sql: { url: database.url } }), 'sql.query');
    await expect(query(superuser, { sql: 'SELECT 1' })).rejects.toThrow(/the configured role is a superuser; refused/);
  });
});

describe('writes with a row cap', () => {
  it('runs a write whole though it returns more rows than maxRows: PostgreSQL counts them, the rest are not kept', async () => {
    const few = findTool(builtinTools({ sql: { url: roleUrl, allowWrites: true, maxRows: 1, maxChangedRows: 3 } }), 'sql.query');
    const result = await query(few, { sql: 'UPDATE items SET name = name WHERE id <= 3 RETURNING id', mode: 'write' });
    expect(result).toMatchObject({ command: 'UPDATE', rowCount: 3, changedRows: 3, truncated: true, truncatedBy: 'maxRows' });
    expect(result.rows).toHaveLength(1);
  });

  it('commits a write within the cap', async () => {
    const result = await query(writable, { sql: "UPDATE items SET name = name || ' (edited)' WHERE id <= $1", params: [2], mode: 'write' });
    expect(result).toMatchObject({ command: 'UPDATE', rowCount: 2, changedRows: 2 });
    expect((await asOwner<{ n: string }>("SELECT count(*) AS n FROM items WHERE name LIKE '%(edited)'")).rows[0]?.n).toBe('2');
  });

  it('red team: a write over the cap rolls back entirely', async () => {
    await expect(query(writable, { sql: 'DELETE FROM items', mode: 'write' })).rejects.toThrow(/changed 10 rows, over the cap of 3; rolled back/);
    expect(await itemCount()).toBe(10);
  });

  it('red team: a DELETE disguised as a SELECT is counted by PostgreSQL, not by the reported row count, and rolled back', async () => {
    await expect(query(writable, { sql: 'WITH gone AS (DELETE FROM items RETURNING *) SELECT count(*) FROM gone', mode: 'write' })).rejects.toThrow(
      /changed 10 rows, over the cap of 3; rolled back/,
    );
    expect(await itemCount()).toBe(10);
  });

  it('red team: DDL, TRUNCATE and DO blocks are refused', async () => {
    for (const sql of ['TRUNCATE items', 'DROP TABLE items', 'DO $$ BEGIN DELETE FROM items; END $$', "COPY items TO PROGRAM 'id'"]) {
      await expect(query(writable, { sql, mode: 'write' })).rejects.toThrow(/statements are not allowed in write mode/);
    }
    expect(await itemCount()).toBe(10);
  });

  it('a statement over the timeout is cancelled', async () => {
    await expect(query(writable, { sql: 'SELECT pg_sleep(5)', mode: 'write' })).rejects.toThrow(/statement timeout/);
  });

  it('idempotency: a repeated write (crash before recording) returns the first result and inserts once', async () => {
    const key = marker('crash');
    const name = marker('row');
    const first = await query(writable, { sql: 'INSERT INTO items (name) VALUES ($1) RETURNING id', params: [name], mode: 'write' }, key);
    const repeat = await query(writable, { sql: 'INSERT INTO items (name) VALUES ($1) RETURNING id', params: [name], mode: 'write' }, key);
    expect(repeat).toEqual({ ...first, replayed: true });
    expect((await asOwner<{ n: string }>('SELECT count(*) AS n FROM items WHERE name = $1', [name])).rows[0]?.n).toBe('1');
    await asOwner('DELETE FROM items WHERE name = $1', [name]);
  });
});
