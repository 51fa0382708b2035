import { runUseCase } from '@airlock/ops/use-case';
import { createWebhook, listDeliveries, listWebhooks, removeWebhook, replayDelivery } from '@airlock/ops/webhooks';
import { cliOperator, withDb } from './runtime.js';
import { formatTable } from './table.js';

// `airlock webhooks ...`: signed outbound webhooks for the action lifecycle. A secret is printed once.

const WEBHOOK_OPTIONS = {
  url: '<url>',
  events: '--events',
  description: '--description',
  webhookId: '<webhook-id>',
  deliveryId: '<delivery-id>',
  status: '--status',
  eventId: '--event',
  limit: '--limit',
};

export async function addWebhookCommand(url: string, options: { events?: string; description?: string; by?: string }): Promise<string> {
  return withDb(async (db) => {
    const events =
      options.events === undefined
        ? []
        : options.events
            .split(',')
            .map((e) => e.trim())
            .filter((e) => e.length > 0);
    const { webhook, secret } = await runUseCase({ db }, await cliOperator(db, options.by), createWebhook, {
      url,
      events,
      ...(options.description !== undefined ? { description: options.description } : {}),
    });
    return [
      `added webhook ${webhook.id} → ${webhook.url} (${webhook.events.length > 0 ? webhook.events.join(', ') : 'every event, audit.checkpoint included'})`,
      `signing secret: ${secret}`,
      'Shown only once. Verify deliveries with any Standard Webhooks library (headers webhook-id, webhook-timestamp, webhook-signature).',
    ].join('\n');
  }, WEBHOOK_OPTIONS);
}

export async function listWebhooksCommand(): Promise<string> {
  return withDb(async (db) => {
    const webhooks = await listWebhooks(db);
    if (webhooks.length === 0) return 'no webhooks';
    return formatTable(
      ['id', 'url', 'events', 'state', 'by', 'since'],
      webhooks.map((w) => [
        w.id,
        w.url,
        w.events.length > 0 ? w.events.join(',') : 'all',
        w.removedAt ? `removed ${w.removedAt.toISOString()}` : 'active',
        w.createdBy,
        w.createdAt.toISOString(),
      ]),
    );
  });
}

export async function removeWebhookCommand(webhookId: string, options: { by?: string }): Promise<string> {
  return withDb(async (db) => {
    const { changed, cancelledDeliveries, inFlightDeliveries } = await runUseCase({ db }, await cliOperator(db, options.by), removeWebhook, { webhookId });
    if (!changed) return `webhook ${webhookId} was already removed`;
    const inFlight =
      inFlightDeliveries > 0 ? `; ${inFlightDeliveries} already being sent (the delivery log will show their answer, or that it is unknown if none is recorded)` : '';
    return `removed webhook ${webhookId}; ${cancelledDeliveries} queued deliveries cancelled${inFlight}`;
  }, WEBHOOK_OPTIONS);
}

export async function deliveriesCommand(options: { webhook?: string; status?: string; event?: string; limit?: string }): Promise<string> {
  return withDb(
    async (db) => {
      const deliveries = await listDeliveries(db, {
        ...(options.webhook !== undefined ? { webhookId: options.webhook } : {}),
        ...(options.status !== undefined ? { status: options.status } : {}),
        ...(options.event !== undefined ? { eventId: options.event } : {}),
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
      });
      if (deliveries.length === 0) return 'no deliveries';
      return formatTable(
        ['delivery', 'webhook', 'event', 'action', 'status', 'attempts', 'last answer', 'at'],
        deliveries.map((d) => [
          d.id,
          d.webhookId,
          d.eventType,
          d.actionId ?? '',
          d.replayOf ? `${d.status} (replay)` : d.status,
          String(d.attempts),
          // The error says more than the status when there is one (`HTTP 302: redirects are not followed`).
          d.lastError ?? (d.lastStatus !== null ? `HTTP ${d.lastStatus}` : ''),
          (d.deliveredAt ?? d.lastAttemptAt ?? d.createdAt).toISOString(),
        ]),
      );
    },
    { ...WEBHOOK_OPTIONS, webhookId: '--webhook' },
  );
}

export async function replayCommand(deliveryId: string, options: { by?: string }): Promise<string> {
  return withDb(async (db) => {
    const replay = await runUseCase({ db }, await cliOperator(db, options.by), replayDelivery, { deliveryId });
    return `queued ${replay.eventType} (${replay.eventId}) again for webhook ${replay.webhookId} as delivery ${replay.id}`;
  }, WEBHOOK_OPTIONS);
}
