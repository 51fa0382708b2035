import { createWebhook, removeWebhook, runUseCase, type Operator } from '@airlock/ops';
import { WebhookDispatcher, type HostResolver } from '@airlock/webhooks';
import { describe, expect, it } from 'vitest';
import { deliveryRow, queueEvent } from './queued.js';
import { cancelAudits, stoppedWhileReceiverHolds, webhookTestBed } from './test-bed.js';
import { until } from './until.js';

// A worker stopped mid-attempt (a rolling restart) gives the attempt back: uncounted, due at once. A removal right after
// used to cancel such a delivery as plainly queued, attempts 0, though its request had reached the receiver (review44).
// Now a request that went out keeps the delivery's lease: the removal counts it in flight and it ends cancelled with its
// answer unknown, the attempt counted. One that never left is given back unleased and cancelled as never sent.

const bed = webhookTestBed();
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };
const quiet = { info: () => undefined, warn: () => undefined };

async function newWebhook(url = bed.receiver.url): Promise<string> {
  return (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url, events: ['action.executed'] })).webhook.id;
}

const remove = (webhookId: string) => runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId });

/** Requests the receiver answered for the event (held ones are not among them). */
const answeredFor = (eventId: string) => bed.receiver.received.filter((r) => r.headers['webhook-id'] === eventId);

/** A worker stopped while its attempt is still resolving the webhook's host: the request never left. */
async function stoppedBeforeSending(beforeStop: (webhookId: string) => Promise<unknown> = async () => undefined) {
  const webhookId = await newWebhook(bed.receiver.url.replace('127.0.0.1', 'never-answers.stop.test'));
  const delivery = await queueEvent(bed.t.db, webhookId);
  let resolving = false;
  const resolve: HostResolver = () => {
    resolving = true;
    return new Promise(() => undefined);
  };
  const worker = new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true, resolve });
  worker.start();
  try {
    await until('the attempt resolving the host', () => resolving);
    await beforeStop(webhookId);
  } finally {
    await worker.stop();
  }
  return { webhookId, delivery };
}

describe('a worker stopped mid-attempt, then its webhook removed', () => {
  it('the request had reached the receiver: the removal counts it in flight, and it ends cancelled with its answer unknown, attempt 1', async () => {
    const webhookId = await newWebhook();
    const delivery = await stoppedWhileReceiverHolds(bed, webhookId);
    // Given back uncounted (a live webhook's next worker takes it at once), its lease kept.
    expect(await deliveryRow(bed.t.db, delivery.id)).toMatchObject({ status: 'pending', attempts: 0 });

    expect(await remove(webhookId)).toMatchObject({ cancelledDeliveries: 0, inFlightDeliveries: 1 });
    // Past the lease and the grace (the lease set back rather than waited for), the next pass cancels it as answer unknown.
    await bed.t.db.pool.query("UPDATE webhook_deliveries SET leased_until = now() - interval '1 hour' WHERE id = $1 AND leased_until IS NOT NULL", [delivery.id]);
    const warnings: string[] = [];
    await new WebhookDispatcher({ db: bed.t.db, logger: { info: () => undefined, warn: (line) => warnings.push(line) }, allowLoopback: true }).runOnce();

    const row = await deliveryRow(bed.t.db, delivery.id);
    expect(row).toMatchObject({ status: 'cancelled', attempts: 1, last_status: null });
    expect(row.last_error).toMatch(/^answer unknown: attempt 1 went out/);
    expect(await cancelAudits(bed.t.db, delivery.id)).toMatchObject([{ attempts: 1, answerUnknown: true, lastStatus: null }]);
    expect(warnings.filter((line) => line.includes(delivery.id))).toEqual([expect.stringMatching(/with its answer unknown.*the receiver may have taken it/)]);
    // Sent once, never again.
    await new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true }).runOnce();
    expect(answeredFor(delivery.eventId)).toEqual([]);
    expect(await cancelAudits(bed.t.db, delivery.id)).toHaveLength(1);
  });

  it('the request never left: the removal cancels it as never sent', async () => {
    const { webhookId, delivery } = await stoppedBeforeSending();
    expect(await deliveryRow(bed.t.db, delivery.id)).toMatchObject({ status: 'pending', attempts: 0 });

    expect(await remove(webhookId)).toMatchObject({ cancelledDeliveries: 1, inFlightDeliveries: 0 });
    expect(await deliveryRow(bed.t.db, delivery.id)).toMatchObject({ status: 'cancelled', attempts: 0, last_status: null, last_error: null });
    await new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true }).runOnce();
    expect(await cancelAudits(bed.t.db, delivery.id)).toEqual([]);
  });
});

describe('a webhook removed while a worker resolves its host, then the worker stopped', () => {
  it('the request never left: it is given back unleased, and the next pass cancels it as never sent, not as answer unknown', async () => {
    let removal: Awaited<ReturnType<typeof remove>> | undefined;
    const { delivery } = await stoppedBeforeSending(async (webhookId) => (removal = await remove(webhookId)));
    expect(removal).toMatchObject({ cancelledDeliveries: 0, inFlightDeliveries: 1 });

    // No grace to wait for: nothing went out, so nothing can still answer.
    await new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true }).runOnce();
    expect(await deliveryRow(bed.t.db, delivery.id)).toMatchObject({ status: 'cancelled', attempts: 0, last_status: null, last_error: null });
    expect(await cancelAudits(bed.t.db, delivery.id)).toMatchObject([{ attempts: 0, answerUnknown: false }]);
  });
});
