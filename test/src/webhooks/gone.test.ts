import { createWebhook, listWebhooks, removeWebhook, runUseCase, type Operator } from '@airlock/ops';
import { WebhookDispatcher, type DispatcherOptions } from '@airlock/webhooks';
import { describe, expect, it } from 'vitest';
import { deliveryRow, queueDelivery } from './queued.js';
import { webhookTestBed } from './test-bed.js';

// A receiver answering 410 Gone says the URL is gone for good: that delivery ends at once (failed, audited), not
// after a day of retries. The subscription stays: the next event is offered once, and is delivered if the URL
// answers again. Deliveries are queued directly and sent with `runOnce`, which returns when nothing is due.

const bed = webhookTestBed();
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };

// No wait between attempts: a failure that is retried is retried within the same pass, up to five attempts.
const dispatcher = (options: Partial<DispatcherOptions> = {}) =>
  new WebhookDispatcher({ db: bed.t.db, logger: { info: () => undefined, warn: () => undefined }, allowLoopback: true, retry: { baseDelayMs: 0, maxAttempts: 5 }, ...options });

const queue = (webhookId: string) => queueDelivery(bed.t.db, webhookId);
const delivery = (id: string) => deliveryRow(bed.t.db, id);

const failedAudits = async (deliveryId: string) =>
  (await bed.t.db.prisma.auditEvent.findMany({ where: { type: 'webhook.delivery_failed' }, select: { actor: true, payload: true } })).filter(
    (row) => (row.payload as { deliveryId?: string }).deliveryId === deliveryId,
  );

describe('a receiver answering 410 Gone', () => {
  it('ends the delivery at its first attempt: failed with the reason, audited and logged; other answers are still retried', async () => {
    const webhookId = (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events: ['action.executed'] })).webhook.id;
    const warnings: string[] = [];
    try {
      bed.receiver.answer = () => 410;
      const gone = await queue(webhookId);
      await dispatcher({ logger: { info: () => undefined, warn: (line) => warnings.push(line) } }).runOnce();
      expect(bed.receiver.received).toHaveLength(1);
      expect(await delivery(gone)).toEqual({ status: 'failed', attempts: 1, last_status: 410, last_error: 'HTTP 410: the receiver is gone; not retried' });
      expect(await failedAudits(gone)).toEqual([
        {
          actor: 'system:webhooks',
          payload: expect.objectContaining({ webhookId, deliveryId: gone, attempts: 1, lastStatus: 410, lastError: 'HTTP 410: the receiver is gone; not retried' }),
        },
      ]);
      expect(warnings).toEqual([expect.stringMatching(new RegExp(`gave up on delivery ${gone} .* after 1 attempt \\(HTTP 410: the receiver is gone; not retried\\)`))]);

      // Only 410: a 404 is retried like any other failure, to the last attempt.
      bed.receiver.answer = () => 404;
      const missing = await queue(webhookId);
      await dispatcher().runOnce();
      expect(await delivery(missing)).toMatchObject({ status: 'failed', attempts: 5, last_status: 404, last_error: 'HTTP 404' });
    } finally {
      bed.receiver.answer = () => 204;
      bed.receiver.received.length = 0;
      await runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId });
    }
  });

  it('leaves the subscription as it is: the next event goes to the URL, and is delivered once it answers again', async () => {
    const webhookId = (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events: ['action.executed'] })).webhook.id;
    try {
      bed.receiver.answer = () => 410;
      const gone = await queue(webhookId);
      const later = await queue(webhookId);
      await dispatcher().runOnce();
      // Each delivery was offered once and ended; nothing removed the subscription.
      expect([await delivery(gone), await delivery(later)]).toMatchObject([
        { status: 'failed', attempts: 1 },
        { status: 'failed', attempts: 1 },
      ]);
      const listed = (await listWebhooks(bed.t.db)).find((w) => w.id === webhookId);
      expect(listed).toMatchObject({ id: webhookId, removedAt: null });

      bed.receiver.answer = () => 204;
      const back = await queue(webhookId);
      await dispatcher().runOnce();
      expect(await delivery(back)).toMatchObject({ status: 'delivered', attempts: 1, last_status: 204 });
    } finally {
      bed.receiver.answer = () => 204;
      bed.receiver.received.length = 0;
      await runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId });
    }
  });
});
