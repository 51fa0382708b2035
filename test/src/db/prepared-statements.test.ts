import { commitWith, createDb, inlineParams, inTransaction, setStatementMode, statementMode, type Db } from '@airlock/db';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// The hot path's statements are prepared once per connection, in the message that first needs them, and sent as
// EXECUTE after that (prisma/src/governance/prepared-statements.ts). What goes over the wire is read from pg's own
// Client.query, which the pool's connection calls with the message it sends.

let t: TestDatabase;
let db: Db;
const sent: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.pool.query('CREATE TABLE prepared_probe (id int PRIMARY KEY, note text NOT NULL)');
  // One connection: every message below goes over the same session.
  db = createDb(t.url, { poolSize: 1 });
});
afterAll(async () => {
  await db?.close();
  await t?.drop();
});
afterEach(() => {
  vi.restoreAllMocks();
  setStatementMode('session');
});

type Query = (this: pg.Client, ...args: unknown[]) => unknown;

function recordSent(): void {
  sent.length = 0;
  const query = Reflect.get(pg.Client.prototype, 'query') as Query;
  vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    if (typeof args[0] === 'string') sent.push(args[0]);
    return query.apply(this, args);
  });
}

type Note = pg.QueryResult<{ note: string }>;

const insert = (id: number, note: string) => inlineParams('INSERT INTO prepared_probe (id, note) VALUES ($1, $2) RETURNING note', [id, note]);
const held = async () => (await db.pool.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map((r) => r.name);
const notes = async () => (await db.pool.query<{ note: string }>('SELECT note FROM prepared_probe ORDER BY id')).rows.map((r) => r.note);

describe('statements prepared once per connection', () => {
  it('the first message that needs one prepares it, later ones only EXECUTE it, and callers get their own results', async () => {
    recordSent();
    const read = (n: number) => inlineParams('SELECT note FROM prepared_probe WHERE id = $1', [n]);
    const first = await inTransaction(db, async (client) => {
      const inserted = (await client.query(`${insert(1, "it's")}; ${insert(2, 'two')}`)) as unknown as Note[];
      return commitWith(read(1), ([found]) => [inserted.map((r) => r.rows[0]!.note), (found as Note).rows[0]!.note]);
    });
    expect(first).toEqual([["it's", 'two'], "it's"]);
    const second = (await db.pool.query(`${insert(3, 'three')}; ${read(3)}`)) as unknown as Note[];
    expect(second.map((r) => r.rows[0]!.note)).toEqual(['three', 'three']);
    // One statement alone: a bare result, as pg gives for a message of one statement.
    const alone = await db.pool.query<{ note: string }>(read(2));
    expect(alone.rows).toEqual([{ note: 'two' }]);

    const prepares = sent.flatMap((sql) => sql.match(/PREPARE airlock_[0-9a-f]{16}/g) ?? []);
    expect(prepares).toHaveLength(2); // the insert and the read, each once
    expect(new Set(prepares).size).toBe(2);
    expect(sent.filter((sql) => sql.includes('EXECUTE airlock_'))).toHaveLength(4);
    expect(await held()).toEqual(prepares.map((p) => p.slice('PREPARE '.length)).sort());
  });

  it('a failed message that carried PREPAREs leaves them on the connection (they are not transactional): the next message reads which it holds', async () => {
    const fresh = (n: number) => inlineParams('SELECT $1::int * 7 AS product', [n]);
    await expect(inTransaction(db, (client) => client.query(`${fresh(1)}; SELECT 1 / 0`))).rejects.toMatchObject({ code: '22012' });
    recordSent();
    const { rows } = await db.pool.query<{ product: number }>(fresh(6));
    expect(rows).toEqual([{ product: 42 }]);
    // Read back instead of prepared again (which would fail: "prepared statement … already exists").
    expect(sent[0]).toBe('SELECT name FROM pg_prepared_statements');
    expect(sent.some((sql) => sql.includes('PREPARE '))).toBe(false);
    expect(statementMode()).toBe('session');
  });

  it('two messages queued at once on one connection prepare a statement once: the second only EXECUTEs it', async () => {
    const doubled = (n: number) => inlineParams('SELECT $1::int * 2 AS doubled', [n]);
    const client = await db.pool.connect();
    try {
      recordSent();
      const results = await Promise.all([client.query<{ doubled: number }>(doubled(1)), client.query<{ doubled: number }>(doubled(2))]);
      expect(results.map((r) => r.rows[0]!.doubled)).toEqual([2, 4]);
      expect(sent.filter((sql) => sql.includes('PREPARE '))).toHaveLength(1);
      expect(statementMode()).toBe('session');
    } finally {
      client.release();
    }
  });

  it("pg-pool's callback form gets the same results", async () => {
    const rows = await new Promise<unknown[]>((resolve, reject) => {
      db.pool.query(inlineParams('SELECT $1::text AS v', ['$1 $$ żółw']), (error: Error | undefined, result: pg.QueryResult) => (error ? reject(error) : resolve(result.rows)));
    });
    expect(rows).toEqual([{ v: '$1 $$ żółw' }]);
  });
});

describe('a server that does not keep them (a pooler in transaction mode)', () => {
  it('fails that transaction whole, turns the process to inline statements, and the retry commits', async () => {
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await db.pool.query(insert(10, 'prepared here'));
    // What a pooler does: the next transaction runs on a server connection that never saw the PREPARE.
    await db.pool.query('DEALLOCATE ALL');
    const write = () =>
      inTransaction(db, async (client) => {
        await client.query(inlineParams('UPDATE prepared_probe SET note = $2 WHERE id = $1', [10, 'updated']));
        return commitWith(insert(11, 'inserted'), () => 'committed');
      });
    await expect(write()).rejects.toMatchObject({ code: '26000' });
    expect(await notes()).toContain('prepared here'); // the update rolled back with the failed insert
    expect(await notes()).not.toContain('inserted');
    expect(statementMode()).toBe('inline');
    expect(warned.mock.calls.flat().join(' ')).toMatch(/did not keep a prepared statement.*AIRLOCK_DB_STATEMENTS=inline/);

    recordSent();
    await expect(write()).resolves.toBe('committed');
    expect(await notes()).toEqual(expect.arrayContaining(['updated', 'inserted']));
    expect(sent.some((sql) => /PREPARE |EXECUTE /.test(sql))).toBe(false);
  });
});
