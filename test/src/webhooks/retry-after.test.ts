import { createWebhook, removeWebhook, runUseCase, type Operator } from '@airlock/ops';
import { DEFAULT_RETRY, WebhookDispatcher } from '@airlock/webhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { queueDelivery } from './queued.js';
import { WebhookReceiver } from './receiver.js';

// A receiver answering 429 or 503 with Retry-After (seconds or an HTTP date) gets its next attempt no earlier than
// it asked, never earlier than the schedule's, at most the schedule's longest wait (4 h) later; the delivery log's
// last_error says what the header did. The waits are checked before the words. Each delivery is sent once by `runOnce` (the schedule's first wait, 48 to
// 72 s with jitter, keeps the retry out of the pass) and its stored next attempt is read back against the
// database's clock: it was set between the attempt's claim (last_attempt_at) and the read. A date is reckoned by the
// database's clock too, not the worker's: the tests set the worker's (Date.now) half an hour off it.

let t: TestDatabase;
let receiver: WebhookReceiver;
let webhookId: string;
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };
const SECOND = 1000;
const BASE = 60 * SECOND;
const scheduled = { earliest: BASE * 0.8, latest: BASE * 1.2 };

beforeAll(async () => {
  t = await createTestDatabase();
  receiver = await WebhookReceiver.start();
  webhookId = (await runUseCase({ db: t.db }, admin, createWebhook, { url: receiver.url, events: ['action.executed'] })).webhook.id;
});
afterAll(async () => {
  await runUseCase({ db: t.db }, admin, removeWebhook, { webhookId });
  await receiver?.close();
  await t?.drop();
});

/** Sends one delivery to a receiver answering `status` with `retryAfter`; what the dispatcher stored. */
async function answered(status: number, retryAfter?: string) {
  receiver.answer = () => status;
  receiver.answerHeaders = () => (retryAfter === undefined ? {} : { 'retry-after': retryAfter });
  const id = await queueDelivery(t.db, webhookId);
  const dispatcher = new WebhookDispatcher({ db: t.db, logger: { info: () => undefined, warn: () => undefined }, allowLoopback: true, retry: { baseDelayMs: BASE } });
  expect(await dispatcher.runOnce()).toBe(1);
  const { rows } = await t.db.pool.query<{
    status: string;
    attempts: number;
    last_status: number;
    last_error: string;
    next_attempt_at: Date;
    last_attempt_at: Date;
    read_at: Date;
  }>('SELECT status, attempts, last_status, last_error, next_attempt_at, last_attempt_at, now() AS read_at FROM webhook_deliveries WHERE id = $1', [id]);
  const row = rows[0]!;
  expect(row).toMatchObject({ status: 'pending', attempts: 1, last_status: status });
  return {
    error: row.last_error,
    /** The wait was at least this long (from the claim, before the answer). */
    atLeast: (ms: number) => expect(row.next_attempt_at.getTime()).toBeGreaterThanOrEqual(row.last_attempt_at.getTime() + ms),
    /** The wait was at most this long (from the recording, before the read). */
    atMost: (ms: number) => expect(row.next_attempt_at.getTime()).toBeLessThanOrEqual(row.read_at.getTime() + ms),
    nextAttemptAt: row.next_attempt_at,
  };
}

/** The database's clock `ms` from now, as an HTTP date (whole seconds). */
async function databaseTimeIn(ms: number): Promise<string> {
  const { rows } = await t.db.pool.query<{ at: Date }>('SELECT now() + make_interval(secs => $1::double precision / 1000) AS at', [ms]);
  return rows[0]!.at.toUTCString();
}

/** Runs `work` with this process's clock (Date.now, which the dispatcher read for Retry-After dates) `skewMs` off the database's. */
async function skewed<T>(skewMs: number, work: () => Promise<T>): Promise<T> {
  const realNow = Date.now.bind(Date);
  const spy = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs);
  try {
    return await work();
  } finally {
    spy.mockRestore();
  }
}

describe('a receiver asking to wait (Retry-After)', () => {
  it('503 with seconds: the next attempt waits that long, not the schedule’s minute, and the log says why', async () => {
    const sent = await answered(503, '600');
    sent.atLeast(600 * SECOND);
    sent.atMost(600 * SECOND);
    expect(sent.error).toBe('HTTP 503; Retry-After 600 s: the next attempt waits for it');
  });

  it('429 with an HTTP date: the next attempt is at that date by the database’s clock, even with the worker’s clock 30 min ahead', async () => {
    const date = await databaseTimeIn(2 * 3_600_000);
    const sent = await skewed(30 * 60 * SECOND, () => answered(429, date));
    // A date is whole seconds, and the stored time has milliseconds: exactly the date, not the date shifted by the skew.
    expect(sent.nextAttemptAt.getTime()).toBe(Date.parse(date));
    const [, seconds] = /^HTTP 429; Retry-After .+ \((\d+) s\): the next attempt waits for it$/.exec(sent.error) ?? [];
    expect(sent.error.startsWith(`HTTP 429; Retry-After ${date} (`)).toBe(true);
    // Reckoned from the database's now() too: about 2 h, not the 1.5 h the worker's clock would make of it.
    expect(Number(seconds)).toBeGreaterThan(2 * 3600 - 60);
    expect(Number(seconds)).toBeLessThanOrEqual(2 * 3600);
  });

  it('an HTTP date past the cap waits the cap, one before the schedule’s wait keeps the schedule’s, by the database’s clock', async () => {
    const far = await skewed(-30 * 60 * SECOND, async () => answered(503, await databaseTimeIn(6 * 3_600_000)));
    far.atLeast(DEFAULT_RETRY.maxDelayMs);
    far.atMost(DEFAULT_RETRY.maxDelayMs);
    expect(far.error).toMatch(/^HTTP 503; Retry-After .+ \((?:2159\d|21600) s\): waiting the 4 h cap instead$/);
    // 10 s ahead by the database's clock; the worker's, 30 min behind it, would read 30 min.
    const near = await skewed(-30 * 60 * SECOND, async () => answered(503, await databaseTimeIn(10 * SECOND)));
    near.atLeast(scheduled.earliest);
    near.atMost(scheduled.latest);
    expect(near.error).toMatch(/^HTTP 503; Retry-After .+ \((?:\d|10) s\): the retry schedule waits longer$/);
  });

  it('a wait past the cap waits the cap (the schedule’s longest wait, 4 h)', async () => {
    const sent = await answered(503, String(30 * 24 * 3600));
    sent.atLeast(DEFAULT_RETRY.maxDelayMs);
    sent.atMost(DEFAULT_RETRY.maxDelayMs);
    expect(sent.error).toBe('HTTP 503; Retry-After 2592000 s: waiting the 4 h cap instead');
  });

  it('a shorter wait than the schedule’s keeps the schedule’s', async () => {
    const sent = await answered(503, '1');
    sent.atLeast(scheduled.earliest);
    sent.atMost(scheduled.latest);
    expect(sent.error).toBe('HTTP 503; Retry-After 1 s: the retry schedule waits longer');
  });

  it('a value that is neither seconds nor a date is ignored and said so: the schedule applies', async () => {
    const sent = await answered(503, 'in a while');
    sent.atLeast(scheduled.earliest);
    sent.atMost(scheduled.latest);
    expect(sent.error).toBe('HTTP 503; Retry-After "in a while" ignored (neither seconds nor an HTTP date): the retry schedule applies');
  });

  it('on another status it is not read', async () => {
    const sent = await answered(500, '600');
    sent.atMost(scheduled.latest);
    expect(sent.error).toBe('HTTP 500');
  });
});
