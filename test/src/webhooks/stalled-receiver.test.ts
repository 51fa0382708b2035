import { appendAudit, checkpointIfDue, checkpointSigner, generateCheckpointKeyPair, type Db } from '@airlock/db';
import { createWebhook, runUseCase, type Operator } from '@airlock/ops';
import { WebhookDispatcher } from '@airlock/webhooks';
import { describe, expect, it } from 'vitest';
import { uncatalogued } from '../support/uncatalogued.js';
import { deliveryRow, queueEvent } from './queued.js';
import { WebhookReceiver } from './receiver.js';
import { webhookTestBed } from './test-bed.js';
import { until } from './until.js';

// One receiver that takes requests and never answers (a stalled app) used to delay every other webhook's deliveries:
// a pass claimed the eight oldest due deliveries, its overdue retries first, and waited for the whole batch, so each
// batch held everyone for the request timeout (the review's script: a healthy receiver's event after three of them).
// Now each slot claims its next delivery as soon as its own attempt ends, and one webhook holds at most its share of
// the slots (two of eight by default). The stalled receiver here holds its requests until the test lets them go, and
// the request timeout is far longer than any test: what arrives while they are held arrived despite them.

const bed = webhookTestBed();
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };
const quiet = { info: () => undefined, warn: () => undefined };
const NEVER = 600_000;

async function subscribe(url: string, events: string[]): Promise<string> {
  return (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url, events })).webhook.id;
}

/**
 * A receiver that holds every request open, and `count` deliveries to it queued overdue (older than anything else
 * due). `close()` closes it and cancels what is left of them, so the next test's worker does not take them.
 */
async function stalledWebhook(count: number) {
  const stalled = await WebhookReceiver.start();
  stalled.hold = true;
  const webhookId = await subscribe(stalled.url, ['action.executed']);
  const deliveries = [];
  for (let i = 0; i < count; i += 1) deliveries.push(await queueEvent(bed.t.db, webhookId));
  await bed.t.db.pool.query(`UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 minute' WHERE subscription_id = $1`, [webhookId]);
  const close = async () => {
    await stalled.close();
    await bed.t.db.pool.query("UPDATE webhook_deliveries SET status = 'cancelled' WHERE subscription_id = $1 AND status = 'pending'", [webhookId]);
  };
  return { stalled, webhookId, deliveries, close };
}

describe('a receiver that never answers', () => {
  it("holds at most its share of the slots: another webhook's delivery, queued after its backlog, goes out while it holds them", async () => {
    const { stalled, webhookId, close } = await stalledWebhook(24);
    const healthy = await queueEvent(bed.t.db, await subscribe(bed.receiver.url, ['action.executed']));
    const dispatcher = new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true, requestTimeoutMs: NEVER });
    const pass = dispatcher.runOnce();
    try {
      await bed.receiver.waitFor('the healthy receiver to get its event', () => bed.receiver.accepted().find((r) => r.headers['webhook-id'] === healthy.eventId));
      // Taken while the stalled receiver has answered nothing: its requests are still open, at most two of them.
      expect(stalled.received).toEqual([]);
      expect(stalled.heldCount).toBeLessThanOrEqual(2);
    } finally {
      stalled.hold = false;
      stalled.release(204);
    }
    expect(await pass).toBe(25);
    expect(stalled.accepted()).toHaveLength(24);
    const { rows } = await bed.t.db.pool.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1 GROUP BY status',
      [webhookId],
    );
    expect(rows).toEqual([{ status: 'delivered', n: 24 }]);
    await close();
  });

  it('does not hold back the running worker: an event after it took its share of the slots is derived and delivered meanwhile', async () => {
    const { stalled, close } = await stalledWebhook(4);
    const checkpoints = await subscribe(bed.receiver.url, ['audit.checkpoint']);
    const dispatcher = new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true, pollIntervalMs: 50, requestTimeoutMs: NEVER });
    dispatcher.start();
    try {
      await stalled.waitFor('the stalled receiver to hold two requests', () => (stalled.heldCount === 2 ? true : undefined));
      // A new audit row and the checkpoint signing it, after the worker's slots were taken: an event for the other webhook.
      await appendAudit(bed.t.db, uncatalogued({ eventKey: 'stalled-receiver-1', type: 'test.event', actor: 'user:alice', payload: {} }));
      const checkpoint = await checkpointIfDue(bed.t.db, checkpointSigner(generateCheckpointKeyPair().privateKeyPem), { everyRows: 1, everySeconds: 3600 });
      expect(checkpoint).toBeDefined();
      await bed.receiver.waitFor('the checkpoint event', () => bed.receiver.accepted().find((r) => r.headers['webhook-id'] === `ckpt_${checkpoint!.n}`));
      expect(stalled.received).toEqual([]);
      expect(stalled.heldCount).toBe(2);
      // The receiver answers before the worker records it: wait for the log to catch up.
      const statuses = async () => (await bed.t.db.pool.query<{ status: string }>('SELECT status FROM webhook_deliveries WHERE subscription_id = $1', [checkpoints])).rows;
      await until('the delivery recorded', async () => (await statuses()).every((r) => r.status !== 'pending'));
      expect(await statuses()).toEqual([{ status: 'delivered' }]);
      expect(stalled.received).toEqual([]);
    } finally {
      await dispatcher.stop();
      await close();
    }
  });
});

/** The same database, but recording a 2xx fails (a lost connection), and giving an attempt back waits until `open()`. */
function brokenRecords(db: Db) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const gate = { givingBack: 0, open, db };
  const pool = new Proxy(db.pool, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
      return async (text: unknown, ...rest: unknown[]) => {
        if (typeof text === 'string' && text.trim().startsWith("UPDATE webhook_deliveries SET status = 'delivered'")) throw new Error('connection terminated');
        if (typeof text === 'string' && text.trim().startsWith('UPDATE webhook_deliveries d SET attempts = attempts - 1')) {
          gate.givingBack += 1;
          await opened;
        }
        return (target.query as (...a: unknown[]) => unknown).call(target, text, ...rest);
      };
    },
  });
  gate.db = { ...db, pool };
  return gate;
}

describe('stopping a worker after a database error', () => {
  it('waits for the attempts still in flight: a held one gives its attempt back before stop() resolves', async () => {
    const { stalled, deliveries, close } = await stalledWebhook(1);
    await queueEvent(bed.t.db, await subscribe(`${bed.receiver.url}?broken`, ['action.executed']));
    const gate = brokenRecords(bed.t.db);
    const warnings: string[] = [];
    // One tick: the loop sleeps on after it, so only the slots work.
    const dispatcher = new WebhookDispatcher({
      db: gate.db,
      logger: { info: () => undefined, warn: (m) => warnings.push(m) },
      allowLoopback: true,
      pollIntervalMs: NEVER,
      requestTimeoutMs: NEVER,
    });
    dispatcher.start();
    try {
      // One attempt's answer could not be recorded (its slot ended with the error), the other is on the wire.
      await until('the failed record and the held request', () => warnings.some((w) => w.includes('connection terminated')) && stalled.heldCount === 1);
      const stopping = dispatcher.stop().then(() => 'stopped' as const);
      await until('the held attempt to give its attempt back', () => gate.givingBack === 1);
      // Its give-back is still being written: stop() has not resolved (it used to, and the write came after the pool closed).
      expect(await Promise.race([stopping, Promise.resolve('still stopping' as const)])).toBe('still stopping');
      gate.open();
      expect(await stopping).toBe('stopped');
      expect(await deliveryRow(bed.t.db, deliveries[0]!.id)).toMatchObject({ status: 'pending', attempts: 0 });
    } finally {
      gate.open();
      await dispatcher.stop();
      await close();
    }
  });
});
