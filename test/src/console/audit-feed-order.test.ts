import { randomBytes } from 'node:crypto';
import { AuditFeed } from '@airlock/console';
import { appendAudit } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** Appends `count` audit rows in one transaction: committed together, they reach the feed as one backlog. */
async function append(count: number): Promise<void> {
  const tag = randomBytes(4).toString('hex');
  await appendAudit(
    database.db,
    ...Array.from({ length: count }, (_, i) => ({ eventKey: `feed-order:${tag}:${i}`, type: 'tool.succeeded' as const, actor: 'system:test', payload: { tool: 'test.filler' } })),
  );
}

const head = async () => Number((await database.db.pool.query<{ seq: string }>('SELECT max(seq)::text AS seq FROM audit_events')).rows[0]?.seq ?? 0);

describe("the console's audit feed", () => {
  it('hands every row of a backlog that crosses a power of ten to its listeners once, in seq order', async () => {
    await append(5);
    const feed = new AuditFeed(database.db, database.url);
    const seen: number[] = [];
    try {
      // watch() resolves once the feed has read the head: rows committed after it reach the listeners.
      const unwatch = await feed.watch('no-such-action', () => undefined);
      feed.subscribe((signals) => seen.push(...signals.map((s) => Number(s.seq))));
      const start = await head();
      const power = 10 ** String(start + 20).length;
      await append(power - 5 - start);
      // More than one read's 500 rows above the power, in one backlog with the rows just below it.
      await append(power + 600 - (await head()));
      const end = await head();
      const deadline = Date.now() + 30_000;
      while (!seen.includes(end) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 300));
      unwatch();
      const expected = Array.from({ length: end - start }, (_, i) => start + 1 + i);
      expect(seen).toEqual(expected);
    } finally {
      feed.close();
    }
  });
});
