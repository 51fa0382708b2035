import type { Db } from '@airlock/db';
import { WebhookDispatcher } from '@airlock/webhooks';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { queueEvent, type QueuedDelivery } from './queued.js';
import { WebhookReceiver } from './receiver.js';

/** A webhook test file's fresh database and loopback receiver; read them inside tests and hooks (they exist from beforeAll on). */
export interface WebhookTestBed {
  t: TestDatabase;
  receiver: WebhookReceiver;
}

/** Registers the file's hooks: the database and receiver are made before its tests, closed and dropped after. */
export function webhookTestBed(): WebhookTestBed {
  const bed: Partial<WebhookTestBed> = {};
  beforeAll(async () => {
    bed.t = await createTestDatabase();
    bed.receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await bed.receiver?.close();
    await bed.t?.drop();
  });
  return bed as WebhookTestBed;
}

/**
 * A worker stopped mid-attempt (a rolling restart): queues a delivery to the webhook (at the bed's receiver), starts a
 * dispatcher and, once the receiver holds its whole request, runs `whileOnTheWire`, then stops the worker; the held
 * request is dropped unanswered.
 */
export async function stoppedWhileReceiverHolds(bed: WebhookTestBed, webhookId: string, whileOnTheWire: () => Promise<unknown> = async () => undefined): Promise<QueuedDelivery> {
  const delivery = await queueEvent(bed.t.db, webhookId);
  bed.receiver.hold = true;
  const worker = new WebhookDispatcher({ db: bed.t.db, logger: { info: () => undefined, warn: () => undefined }, allowLoopback: true });
  worker.start();
  try {
    await bed.receiver.waitFor('the attempt on the wire', () => (bed.receiver.heldCount === 1 ? true : undefined));
    await whileOnTheWire();
  } finally {
    await worker.stop();
    bed.receiver.hold = false;
    bed.receiver.dropHeld();
  }
  return delivery;
}

/** The payloads of the webhook.delivery_cancelled audit events of one delivery, oldest first. */
export const cancelAudits = async (db: Db, deliveryId: string) =>
  (await db.prisma.auditEvent.findMany({ where: { type: 'webhook.delivery_cancelled' }, orderBy: { seq: 'asc' }, select: { payload: true } }))
    .map((row) => row.payload as Record<string, unknown>)
    .filter((payload) => payload.deliveryId === deliveryId);
