import { randomBytes } from 'node:crypto';
import { PostgresSeenRequests, ReplayGuard } from '@airlock/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { signInteraction } from './interactions.js';

// The replay guard's PostgreSQL store (slack_seen_requests) on a real database: a key whose mark has
// expired is stored again, not left to the purge of expired keys that runs in the same call, and
// replicas purging at once never wait on each other.

const SIGNING_SECRET = randomBytes(16).toString('hex');
const T0 = Date.parse('2026-12-06T12:00:00Z');

let tdb: TestDatabase;
let store: PostgresSeenRequests;

beforeAll(async () => {
  tdb = await createTestDatabase();
  store = new PostgresSeenRequests(tdb.db);
});

afterAll(async () => {
  await tdb?.drop();
});

const storedKeys = async () => (await tdb.db.prisma.slackSeenRequest.findMany({ orderBy: { key: 'asc' } })).map((r) => [r.key, r.expiresAt.getTime()]);

describe('PostgresSeenRequests', () => {
  it('replaces a mark whose expiry has passed, and the new mark then refuses a duplicate', async () => {
    expect(await store.remember([{ key: 'inflight:a', expiresAtMs: T0 + 45_000 }], T0)).toEqual(new Set(['inflight:a']));
    expect(await store.remember([{ key: 'inflight:a', expiresAtMs: T0 + 50_000 }], T0 + 10_000)).toEqual(new Set());

    const later = T0 + 60_000;
    expect(await store.remember([{ key: 'inflight:a', expiresAtMs: later + 45_000 }], later)).toEqual(new Set(['inflight:a']));
    expect(await store.has('inflight:a', later + 1_000)).toBe(true);
    expect(await store.remember([{ key: 'inflight:a', expiresAtMs: later + 46_000 }], later + 1_000)).toEqual(new Set());
    expect(await storedKeys()).toEqual([['inflight:a', later + 45_000]]);
  });

  it('still purges the other expired keys, and stores an expired key once when two replicas store it at once', async () => {
    const at = T0 + 3_600_000;
    await store.remember(
      [
        { key: 'old:1', expiresAtMs: at - 1 },
        { key: 'old:2', expiresAtMs: at - 1 },
      ],
      at - 10_000,
    );
    const [first, second] = await Promise.all([
      store.remember([{ key: 'old:2', expiresAtMs: at + 45_000 }], at),
      new PostgresSeenRequests(tdb.db).remember([{ key: 'old:2', expiresAtMs: at + 45_000 }], at),
    ]);
    expect([first.size, second.size].sort()).toEqual([0, 1]);
    expect((await storedKeys()).filter(([key]) => String(key).startsWith('old:'))).toEqual([['old:2', at + 45_000]]);
  });

  it("two replicas each storing their own expired key again, one holding its key's row mid-statement, both store it: neither waits on the other's purge (no deadlock)", async () => {
    const at = T0 + 4 * 3_600_000;
    await store.remember(
      [
        { key: 'held:a', expiresAtMs: at - 1 },
        { key: 'held:b', expiresAtMs: at - 1 },
      ],
      at - 10_000,
    );
    // Replacing held:a's mark waits, with its row locked, on an advisory lock the test holds.
    const HOLD = 4_500_045;
    await tdb.db.pool.query(`CREATE FUNCTION hold_seen_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.key = 'held:a' THEN PERFORM pg_advisory_xact_lock(${HOLD}); END IF; RETURN NEW; END $$;
      CREATE TRIGGER hold_seen_update BEFORE UPDATE ON slack_seen_requests FOR EACH ROW EXECUTE FUNCTION hold_seen_update()`);
    const holder = await tdb.db.pool.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(${HOLD})`);
      const first = settled(store.remember([{ key: 'held:a', expiresAtMs: at + 45_000 }], at));
      await until(async () => (await lockWaiters(`locktype = 'advisory'`)) > 0);
      const second = settled(new PostgresSeenRequests(tdb.db).remember([{ key: 'held:b', expiresAtMs: at + 45_000 }], at));
      // The other replica either finishes or queues behind held:a's row (seen in pg_locks, not by timing); then held:a goes on.
      await until(async () => second.done || (await lockWaiters(`locktype <> 'advisory'`)) > 0);
      await holder.query(`SELECT pg_advisory_unlock(${HOLD})`);
      expect(await first.result).toEqual({ status: 'fulfilled', value: new Set(['held:a']) });
      expect(await second.result).toEqual({ status: 'fulfilled', value: new Set(['held:b']) });
    } finally {
      // Closed, not pooled: a session lock still held goes with the connection.
      holder.release(true);
      await tdb.db.pool.query('DROP TRIGGER hold_seen_update ON slack_seen_requests; DROP FUNCTION hold_seen_update()');
    }
    expect((await storedKeys()).filter(([key]) => String(key).startsWith('held:'))).toEqual([
      ['held:a', at + 45_000],
      ['held:b', at + 45_000],
    ]);
  });
});

/** Backends of this test's database waiting for a lock matching `where`. */
async function lockWaiters(where: string): Promise<number> {
  const { rows } = await tdb.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND ${where} AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())`,
  );
  return rows[0]!.n;
}

/** Polls until `condition` holds; each step is a database round trip, not a timer guess. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** A promise's outcome, and whether it has come yet. */
function settled<T>(promise: Promise<T>): { readonly done: boolean; result: Promise<PromiseSettledResult<T>> } {
  const outcome = { done: false, result: Promise.allSettled([promise]).then(([r]) => r) };
  void outcome.result.then(() => (outcome.done = true));
  return outcome;
}

describe('ReplayGuard over PostgreSQL', () => {
  it("holds a retry admitted past the first delivery's in-flight mark as the delivery in flight: a second retry meanwhile is refused 503", async () => {
    let now = T0 + 7_200_000;
    const guard = new ReplayGuard(SIGNING_SECRET, store, () => now);
    const payload = { type: 'block_actions', user: { id: 'U_ALICE' }, n: 1 };
    const signedAt = (ms: number) => signInteraction(payload, { secret: SIGNING_SECRET, timestamp: Math.floor(ms / 1000) });

    const first = signedAt(now);
    expect(await guard.admit(first.headers, first.body)).toEqual({ ok: true });
    // The first delivery never finished (nothing marked it acted); Slack's 1-minute retry, past its 45 s mark, is acted on.
    now += 60_000;
    const retry = signedAt(now);
    expect(await guard.admit(retry.headers, retry.body)).toEqual({ ok: true, retry: true });
    // Another delivery of the click while that retry runs: refused with a 503, not acted on twice.
    now += 2_000;
    const another = signedAt(now);
    expect(await guard.admit(another.headers, another.body)).toEqual({ ok: false, reason: 'a retry of a request still being acted on', retry: true });
  });
});
