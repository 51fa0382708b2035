import { createWebhook, removeWebhook, runUseCase, type Operator } from '@airlock/ops';
import { WebhookDispatcher } from '@airlock/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { deliveryRow, queueEvent } from './queued.js';
import { WebhookReceiver } from './receiver.js';

// A webhook removed while an attempt is on the wire (docs/WEBHOOKS.md, "Removal"): the attempt may still arrive, so the
// removal leaves it be and counts it in flight, and the delivery log keeps what the receiver answered. Before, the
// removal cancelled it too and the attempt's answer was dropped: a delivery the receiver took stood as cancelled.

let t: TestDatabase;
let receiver: WebhookReceiver;
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };

beforeAll(async () => {
  t = await createTestDatabase();
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await receiver?.close();
  await t?.drop();
});

/** One attempt at a time: the first delivery is on the wire (held by the receiver) while the second waits, queued. */
const dispatcher = () => new WebhookDispatcher({ db: t.db, logger: { info: () => undefined, warn: () => undefined }, allowLoopback: true, concurrency: 1 });

const auditRows = async (type: string, webhookId: string) =>
  (await t.db.prisma.auditEvent.findMany({ where: { type }, orderBy: { seq: 'asc' }, select: { payload: true } }))
    .map((row) => row.payload as Record<string, unknown>)
    .filter((payload) => payload.webhookId === webhookId);

/** Removes the webhook while its first queued delivery's attempt is held by the receiver; returns what the removal said and the dispatcher's pass. */
async function removeMidAttempt(webhookId: string) {
  receiver.hold = true;
  const pass = dispatcher().runOnce();
  await receiver.waitFor('the attempt on the wire', () => (receiver.heldCount === 1 ? true : undefined));
  const removal = await runUseCase({ db: t.db }, admin, removeWebhook, { webhookId });
  receiver.hold = false;
  return { removal, pass };
}

describe('removing a webhook while one of its deliveries is on the wire', () => {
  it('a receiver that takes it: the delivery is delivered, and the removal counted it in flight, not cancelled', async () => {
    const webhookId = (await runUseCase({ db: t.db }, admin, createWebhook, { url: receiver.url, events: ['action.executed'] })).webhook.id;
    const onTheWire = await queueEvent(t.db, webhookId);
    const queued = await queueEvent(t.db, webhookId);
    const { removal, pass } = await removeMidAttempt(webhookId);
    expect(removal).toMatchObject({ changed: true, cancelledDeliveries: 1, inFlightDeliveries: 1 });
    receiver.release(200);
    expect(await pass).toBe(1);

    expect(await deliveryRow(t.db, onTheWire.id)).toEqual({ status: 'delivered', attempts: 1, last_status: 200, last_error: null });
    expect(await deliveryRow(t.db, queued.id)).toMatchObject({ status: 'cancelled', attempts: 0 });
    expect(await auditRows('webhook.removed', webhookId)).toEqual([{ webhookId, url: receiver.url, cancelledDeliveries: 1, inFlightDeliveries: 1 }]);
    expect(await auditRows('webhook.delivery_cancelled', webhookId)).toEqual([]);
    expect(receiver.accepted().map((r) => r.headers['webhook-id'])).toEqual([onTheWire.eventId]);
  });

  it('a receiver that fails it: its answer is kept, and the retry it would lead to is cancelled and audited, never sent', async () => {
    const webhookId = (await runUseCase({ db: t.db }, admin, createWebhook, { url: receiver.url, events: ['action.executed'] })).webhook.id;
    const onTheWire = await queueEvent(t.db, webhookId);
    const received = receiver.received.length;
    const { removal, pass } = await removeMidAttempt(webhookId);
    expect(removal).toMatchObject({ changed: true, cancelledDeliveries: 0, inFlightDeliveries: 1 });
    receiver.release(503);
    await pass;

    expect(await deliveryRow(t.db, onTheWire.id)).toEqual({ status: 'cancelled', attempts: 1, last_status: 503, last_error: 'HTTP 503' });
    expect(await auditRows('webhook.delivery_cancelled', webhookId)).toEqual([
      { webhookId, deliveryId: onTheWire.id, eventId: onTheWire.eventId, eventType: 'action.executed', attempts: 1, lastStatus: 503, lastError: 'HTTP 503' },
    ]);
    // Nothing more goes out to the removed webhook.
    await dispatcher().runOnce();
    expect(receiver.received.length).toBe(received + 1);
  });
});
