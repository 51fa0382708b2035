import { randomBytes } from 'node:crypto';
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
    expect(result).toMatchObject({ command: 'SELECT', rowCount: 8, fields: ['id', 'name'], truncated: true });
    expect(result.rows).toHaveLength(5);
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
