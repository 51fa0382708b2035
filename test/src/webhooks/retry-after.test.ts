import { createWebhook, removeWebhook, runUseCase, type Operator } from '@airlock/ops';
import { DEFAULT_RETRY, WebhookDispatcher } from '@airlock/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { queueDelivery } from './queued.js';
import { WebhookReceiver } from './receiver.js';

// A receiver answering 429 or 503 with Retry-After (seconds or an HTTP date) gets its next attempt no earlier than
// it asked, never earlier than the schedule's, at most the schedule's longest wait (4 h) later; the delivery log's
// last_error says what the header did. The waits are checked before the words. Each delivery is sent once by `runOnce` (the schedule's first wait, 48 to
// 72 s with jitter, keeps the retry out of the pass) and its stored next attempt is read back against the
// database's clock: it was set between the attempt's claim (last_attempt_at) and the read.

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

describe('a receiver asking to wait (Retry-After)', () => {
  it('503 with seconds: the next attempt waits that long, not the schedule’s minute, and the log says why', async () => {
    const sent = await answered(503, '600');
    sent.atLeast(600 * SECOND);
    sent.atMost(600 * SECOND);
    expect(sent.error).toBe('HTTP 503; Retry-After 600 s: the next attempt waits for it');
  });

  it('429 with an HTTP date: no attempt before that date', async () => {
    const date = new Date(Date.now() + 2 * 3_600_000).toUTCString();
    const sent = await answered(429, date);
    expect(sent.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(Date.parse(date));
    sent.atMost(2 * 3_600_000);
    expect(sent.error).toMatch(new RegExp(`^HTTP 429; Retry-After ${date} \\(\\d+ s\\): the next attempt waits for it$`));
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
