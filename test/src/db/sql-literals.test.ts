import { commitWith, inlineParams, inTransaction, NulInSqlLiteralError, sqlLiteral } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// Hot-path statements sent several to a message carry their values as literals
// (the simple protocol has no parameters): each must reach PostgreSQL unchanged.

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const awkward = ["it's", "''", 'back\\slash', '\\', "\\'; SELECT 1; --", '$1 $$ $tag$', 'żółw 🐢 ∑ \u{10FFFF}', 'tab\tnew\nline', '"quoted"', ''];

describe('values inlined as SQL literals', () => {
  it('reach PostgreSQL exactly as sent, several statements to one message', async () => {
    const sql = awkward.map((value) => `SELECT ${sqlLiteral(value)}::text AS v`).join('; ');
    const results = (await database.db.pool.query(sql)) as unknown as { rows: { v: string }[] }[];
    expect(results.map((r) => r.rows[0]!.v)).toEqual(awkward);
  });

  it('type like the parameters they replace', async () => {
    const at = new Date('2026-12-04T09:00:00.123Z');
    const { rows } = await database.db.pool.query<{ n: string; at: Date; j: unknown; none: null }>(
      inlineParams('SELECT $1::bigint + 1 AS n, $2::timestamptz AS at, $3::jsonb AS j, $4::text AS none', [41, at, JSON.stringify({ a: "it's \\ 🐢" }), null]),
    );
    expect(rows[0]).toEqual({ n: '42', at, j: { a: "it's \\ 🐢" }, none: null });
  });

  it('refuse a NUL byte before anything is sent', () => {
    expect(() => inlineParams('SELECT $1', ['a\0b'])).toThrow(NulInSqlLiteralError);
  });

  it('commit with the last statements in one message, or not at all when one fails', async () => {
    await database.db.pool.query('CREATE TABLE literal_probe (v text PRIMARY KEY)');
    const kept = await inTransaction(database.db, async () =>
      commitWith(inlineParams('INSERT INTO literal_probe VALUES ($1) RETURNING v', ["it's"]), ([inserted]) => inserted!.rows as { v: string }[]),
    );
    expect(kept).toEqual([{ v: "it's" }]);
    await expect(
      inTransaction(database.db, async (client) => {
        await client.query(`INSERT INTO literal_probe VALUES ('second')`);
        return commitWith(inlineParams('INSERT INTO literal_probe VALUES ($1)', ["it's"]), () => undefined);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    const { rows } = await database.db.pool.query<{ v: string }>('SELECT v FROM literal_probe ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual(["it's"]);
  });
});
