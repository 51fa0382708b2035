import { createWebhook, removeWebhook, runUseCase, type Operator } from '@airlock/ops';
import { auditedWebhookUrl, WebhookDispatcher } from '@airlock/webhooks';
import { describe, expect, it } from 'vitest';
import { deliveryRow, queueEvent } from './queued.js';
import { webhookTestBed } from './test-bed.js';

// A webhook removed while an attempt is on the wire (docs/WEBHOOKS.md, "Removal"): the attempt may still arrive, so the
// removal leaves it be and counts it in flight, and the delivery log keeps what the receiver answered. Before, the
// removal cancelled it too and the attempt's answer was dropped: a delivery the receiver took stood as cancelled.

const bed = webhookTestBed();
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };

/** One attempt at a time: the first delivery is on the wire (held by the receiver) while the second waits, queued. */
const dispatcher = () => new WebhookDispatcher({ db: bed.t.db, logger: { info: () => undefined, warn: () => undefined }, allowLoopback: true, concurrency: 1 });

const auditRows = async (type: string, webhookId: string) =>
  (await bed.t.db.prisma.auditEvent.findMany({ where: { type }, orderBy: { seq: 'asc' }, select: { payload: true } }))
    .map((row) => row.payload as Record<string, unknown>)
    .filter((payload) => payload.webhookId === webhookId);

/** Removes the webhook while its first queued delivery's attempt is held by the receiver; returns what the removal said and the dispatcher's pass. */
async function removeMidAttempt(webhookId: string) {
  bed.receiver.hold = true;
  const pass = dispatcher().runOnce();
  await bed.receiver.waitFor('the attempt on the wire', () => (bed.receiver.heldCount === 1 ? true : undefined));
  const removal = await runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId });
  bed.receiver.hold = false;
  return { removal, pass };
}

describe('removing a webhook while one of its deliveries is on the wire', () => {
  it('a receiver that takes it: the delivery is delivered, and the removal counted it in flight, not cancelled', async () => {
    const webhookId = (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events: ['action.executed'] })).webhook.id;
    const onTheWire = await queueEvent(bed.t.db, webhookId);
    const queued = await queueEvent(bed.t.db, webhookId);
    const { removal, pass } = await removeMidAttempt(webhookId);
    expect(removal).toMatchObject({ changed: true, cancelledDeliveries: 1, inFlightDeliveries: 1 });
    bed.receiver.release(200);
    expect(await pass).toBe(1);

    expect(await deliveryRow(bed.t.db, onTheWire.id)).toEqual({ status: 'delivered', attempts: 1, last_status: 200, last_error: null });
    expect(await deliveryRow(bed.t.db, queued.id)).toMatchObject({ status: 'cancelled', attempts: 0 });
    expect(await auditRows('webhook.removed', webhookId)).toEqual([{ webhookId, ...auditedWebhookUrl(bed.receiver.url), cancelledDeliveries: 1, inFlightDeliveries: 1 }]);
    expect(await auditRows('webhook.delivery_cancelled', webhookId)).toEqual([]);
    expect(bed.receiver.accepted().map((r) => r.headers['webhook-id'])).toEqual([onTheWire.eventId]);
  });

  it('a receiver that fails it: its answer is kept, and the retry it would lead to is cancelled and audited, never sent', async () => {
    const webhookId = (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events: ['action.executed'] })).webhook.id;
    const onTheWire = await queueEvent(bed.t.db, webhookId);
    const received = bed.receiver.received.length;
    const { removal, pass } = await removeMidAttempt(webhookId);
    expect(removal).toMatchObject({ changed: true, cancelledDeliveries: 0, inFlightDeliveries: 1 });
    bed.receiver.release(503);
    await pass;

    expect(await deliveryRow(bed.t.db, onTheWire.id)).toEqual({ status: 'cancelled', attempts: 1, last_status: 503, last_error: 'HTTP 503' });
    expect(await auditRows('webhook.delivery_cancelled', webhookId)).toEqual([
      { webhookId, deliveryId: onTheWire.id, eventId: onTheWire.eventId, eventType: 'action.executed', attempts: 1, lastStatus: 503, lastError: 'HTTP 503', answerUnknown: false },
    ]);
    // Nothing more goes out to the removed webhook.
    await dispatcher().runOnce();
    expect(bed.receiver.received.length).toBe(received + 1);
  });
});
