import { CreateWebhookInput, DeliveryQuery as DeliveryQueryInput } from '@airlock/ops';
import { WebhookEventType } from '@airlock/webhooks';
import { z } from 'zod';

// Outbound webhooks: the use cases' own input schemas document the bodies.

const Timestamp = z.string().meta({ description: 'ISO 8601', example: '2026-12-04T10:00:00.000Z' });

export const CreateWebhookBody = CreateWebhookInput.meta({
  id: 'CreateWebhookBody',
  description: 'A receiver URL (http/https; checked against private addresses at every delivery), the event types (none = all) and a note',
});
export const WebhookView = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(WebhookEventType),
    description: z.string().nullable(),
    createdBy: z.string(),
    createdAt: Timestamp,
    removedAt: Timestamp.nullable(),
  })
  .meta({ id: 'Webhook' });
export const CreatedWebhookView = z
  .object({ webhook: WebhookView, secret: z.string().meta({ description: 'The Standard Webhooks signing secret (`whsec_…`), shown only in this answer' }) })
  .meta({ id: 'CreatedWebhook' });
export const WebhookList = z.object({ webhooks: z.array(WebhookView) }).meta({ id: 'WebhookList' });
export const WebhookRemoved = z
  .object({
    webhook: WebhookView,
    cancelledDeliveries: z.number().int().meta({ description: 'Queued deliveries cancelled: never sent' }),
    inFlightDeliveries: z
      .number()
      .int()
      .meta({ description: 'Deliveries an attempt was already making: left to it, the delivery log records its answer (a retry it leads to is cancelled)' }),
    changed: z.boolean(),
  })
  .meta({ id: 'WebhookRemoved' });
export const DeliveryView = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    eventId: z.string().meta({ description: 'The `webhook-id` header: the same for every attempt and replay of the event' }),
    eventType: WebhookEventType,
    auditSeq: z.string(),
    actionId: z.string().nullable(),
    status: z.enum(['pending', 'delivered', 'failed', 'cancelled']),
    attempts: z.number().int(),
    nextAttemptAt: Timestamp.nullable(),
    lastAttemptAt: Timestamp.nullable(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: Timestamp.nullable(),
    replayOf: z.string().nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'WebhookDelivery' });
export const DeliveryList = z.object({ deliveries: z.array(DeliveryView) }).meta({ id: 'WebhookDeliveryList' });
export const DeliveryQuery = DeliveryQueryInput.meta({ id: 'WebhookDeliveryQuery' });
