import { randomBytes } from 'node:crypto';
import { PostgresSeenRequests, ReplayGuard } from '@airlock/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { signInteraction } from './interactions.js';

// The replay guard's PostgreSQL store (slack_seen_requests) on a real database: a key whose mark has
// expired is stored again, not left to the purge that runs in the same statement.

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
});

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
