import type { Db } from '@airlock/db';
import { createWebhook, removeWebhook, runUseCase, type Operator } from '@airlock/ops';
import { WebhookDispatcher } from '@airlock/webhooks';
import { describe, expect, it } from 'vitest';
import { deliveryRow, queueEvent } from './queued.js';
import { cancelAudits, stoppedWhileReceiverHolds, webhookTestBed } from './test-bed.js';
import { until } from './until.js';

// An attempt that outlives its lease before it records its answer (docs/WEBHOOKS.md, "Removal"): its worker is paused or
// its pool starved, the receiver has answered. A removal, or another worker's cancelRemoved() once the lease ran out,
// used to cancel the delivery as if no attempt held it, and the answer's write then matched no row: a delivery the
// receiver took stood as cancelled, audited webhook.delivery_cancelled (helper-93's review, finding 5). Now such a
// delivery is left to its attempt for a grace period past the lease; only then is it cancelled, audited and logged as
// answer unknown, and an answer later still is recorded on the row.

const bed = webhookTestBed();
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };
const quiet = { info: () => undefined, warn: () => undefined };

/** The same database, but every write of an attempt's answer waits until `open()`; `waiting` counts those held. */
function gatedAnswers(db: Db) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const gate = { waiting: 0, open, db };
  const pool = new Proxy(db.pool, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
      return async (text: unknown, ...rest: unknown[]) => {
        if (typeof text === 'string' && /^UPDATE webhook_deliveries SET status = /.test(text.trim())) {
          gate.waiting += 1;
          await opened;
        }
        return (target.query as (...a: unknown[]) => unknown).call(target, text, ...rest);
      };
    },
  });
  gate.db = { ...db, pool };
  return gate;
}

/** A worker whose attempts' answers are held (requestTimeoutMs 300: a 900 ms lease), with one delivery of a new webhook on the wire and answered. */
async function answeredButUnrecorded(status: number) {
  const webhookId = (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events: ['action.executed'] })).webhook.id;
  const delivery = await queueEvent(bed.t.db, webhookId);
  bed.receiver.answer = () => status;
  const gate = gatedAnswers(bed.t.db);
  const warnings: string[] = [];
  const slow = new WebhookDispatcher({ db: gate.db, logger: { info: () => undefined, warn: (m) => warnings.push(m) }, allowLoopback: true, requestTimeoutMs: 300 });
  const pass = slow.runOnce();
  await until('the answer to be in, its write held', () => gate.waiting === 1);
  return { webhookId, delivery, gate, pass, warnings };
}

const leaseRanOut = (id: string) =>
  until('the lease to run out', async () => (await bed.t.db.pool.query('SELECT 1 FROM webhook_deliveries WHERE id = $1 AND leased_until <= now()', [id])).rowCount === 1);

describe('an attempt whose lease runs out before it records its answer, at a removal', () => {
  it('removed while it is on the wire: another worker’s pass after the lease ran out leaves it, and the late 200 marks it delivered', async () => {
    const { webhookId, delivery, gate, pass } = await answeredButUnrecorded(200);
    expect(await runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId })).toMatchObject({ cancelledDeliveries: 0, inFlightDeliveries: 1 });
    await leaseRanOut(delivery.id);
    // Another worker's pass, past the lease but within the grace (ten of its leases).
    await new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true }).runOnce();
    expect(await deliveryRow(bed.t.db, delivery.id)).toMatchObject({ status: 'pending', attempts: 1 });
    gate.open();
    await pass;

    expect(bed.receiver.accepted().map((r) => r.headers['webhook-id'])).toContain(delivery.eventId);
    expect(await deliveryRow(bed.t.db, delivery.id)).toEqual({ status: 'delivered', attempts: 1, last_status: 200, last_error: null });
    expect(await cancelAudits(bed.t.db, delivery.id)).toEqual([]);
  });

  it('removed after the lease ran out: the removal counts it in flight, not cancelled, and the late 200 marks it delivered', async () => {
    const { webhookId, delivery, gate, pass } = await answeredButUnrecorded(200);
    await leaseRanOut(delivery.id);
    expect(await runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId })).toMatchObject({ cancelledDeliveries: 0, inFlightDeliveries: 1 });
    gate.open();
    await pass;

    expect(await deliveryRow(bed.t.db, delivery.id)).toEqual({ status: 'delivered', attempts: 1, last_status: 200, last_error: null });
    expect(await cancelAudits(bed.t.db, delivery.id)).toEqual([]);
  });

  it('past the grace: cancelled, audited and logged as answer unknown, once; the 200 that comes later is recorded on the row and logged', async () => {
    const { webhookId, delivery, gate, pass, warnings } = await answeredButUnrecorded(200);
    await runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId });
    await leaseRanOut(delivery.id);
    const cancelLog: string[] = [];
    const other = () => new WebhookDispatcher({ db: bed.t.db, logger: { info: () => undefined, warn: (m) => cancelLog.push(m) }, allowLoopback: true, answerGraceMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await other().runOnce();
    await other().runOnce();

    const unknown = 'answer unknown: attempt 1 went out and its worker had not recorded the answer 100 ms after its lease ran out';
    expect(await deliveryRow(bed.t.db, delivery.id)).toEqual({ status: 'cancelled', attempts: 1, last_status: null, last_error: unknown });
    expect(await cancelAudits(bed.t.db, delivery.id)).toEqual([
      { webhookId, deliveryId: delivery.id, eventId: delivery.eventId, eventType: 'action.executed', attempts: 1, lastStatus: null, lastError: unknown, answerUnknown: true },
    ]);
    expect(cancelLog).toEqual([
      `webhooks: cancelled delivery ${delivery.id} (${delivery.eventId}) with its answer unknown: webhook ${webhookId} was removed, and attempt 1 went out but its worker had not recorded the answer 100 ms after its lease ran out: the receiver may have taken it`,
    ]);

    gate.open();
    await pass;
    const { rows } = await bed.t.db.pool.query<{ status: string; last_status: number; last_error: string; delivered_at: Date | null }>(
      'SELECT status, last_status, last_error, delivered_at FROM webhook_deliveries WHERE id = $1',
      [delivery.id],
    );
    expect(rows[0]).toMatchObject({
      status: 'cancelled',
      last_status: 200,
      last_error: 'cancelled with its answer unknown; the answer came later: HTTP 200, the receiver took it',
    });
    expect(rows[0]!.delivered_at).toBeInstanceOf(Date);
    expect(warnings).toEqual([
      `webhooks: delivery ${delivery.id} (${delivery.eventId}) to removed webhook ${webhookId} was cancelled with its answer unknown; attempt 1's answer came later: HTTP 200, the receiver took it. Recorded on the delivery; it stays cancelled`,
    ]);
    // Still one cancel in the audit log, and nothing more goes out.
    expect(await cancelAudits(bed.t.db, delivery.id)).toHaveLength(1);
    expect(bed.receiver.received.filter((r) => r.headers['webhook-id'] === delivery.eventId)).toHaveLength(1);
  });

  it('past the grace, a late failure (503) is recorded too, and its retry is not made', async () => {
    const { webhookId, delivery, gate, pass } = await answeredButUnrecorded(503);
    await runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId });
    await leaseRanOut(delivery.id);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true, answerGraceMs: 100 }).runOnce();
    gate.open();
    await pass;

    expect(await deliveryRow(bed.t.db, delivery.id)).toEqual({
      status: 'cancelled',
      attempts: 1,
      last_status: 503,
      last_error: 'cancelled with its answer unknown; the answer came later: HTTP 503',
    });
    expect(await cancelAudits(bed.t.db, delivery.id)).toMatchObject([{ answerUnknown: true, lastStatus: null }]);
    await new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true }).runOnce();
    expect(bed.receiver.received.filter((r) => r.headers['webhook-id'] === delivery.eventId)).toHaveLength(1);
  });

  it('a worker stopped mid-attempt after the removal does not give the attempt back (as if never sent): it is cancelled as answer unknown', async () => {
    const webhookId = (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events: ['action.executed'] })).webhook.id;
    const delivery = await stoppedWhileReceiverHolds(bed, webhookId, async () => {
      expect(await runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId })).toMatchObject({ cancelledDeliveries: 0, inFlightDeliveries: 1 });
    });
    // The request reached the receiver; its answer never came back. The attempt stays counted, under its lease.
    expect(await deliveryRow(bed.t.db, delivery.id)).toMatchObject({ status: 'pending', attempts: 1 });
    // Past the lease and the grace (set back rather than waited for), the next pass cancels it as answer unknown.
    await bed.t.db.pool.query("UPDATE webhook_deliveries SET leased_until = now() - interval '1 hour' WHERE id = $1 AND leased_until IS NOT NULL", [delivery.id]);
    await new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true }).runOnce();
    expect(await deliveryRow(bed.t.db, delivery.id)).toMatchObject({ status: 'cancelled', attempts: 1, last_status: null });
    expect(await cancelAudits(bed.t.db, delivery.id)).toMatchObject([{ attempts: 1, answerUnknown: true }]);
  });
});
