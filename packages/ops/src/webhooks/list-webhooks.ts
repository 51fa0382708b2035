import type { Db } from '@airlock/db';
import { EVENT_ID_PATTERN } from '@airlock/webhooks';
import { z } from 'zod';
import { fromZodError } from '../errors.js';
import { DELIVERY_COLUMNS, deliveryRecord, type DeliveryRecord, type DeliveryRowSql } from './delivery-row.js';
import { WebhookId } from './remove-webhook.js';
import { WEBHOOK_COLUMNS, webhookRecord, type WebhookRecord, type WebhookRowSql } from './webhook-row.js';

/** Every subscription, removed ones last (a read: no audit row; never the secrets). */
export async function listWebhooks(db: Db): Promise<WebhookRecord[]> {
  const { rows } = await db.pool.query<WebhookRowSql>(`SELECT ${WEBHOOK_COLUMNS} FROM webhook_subscriptions ORDER BY removed_at IS NOT NULL, created_at DESC, id`);
  return rows.map(webhookRecord);
}

export const DeliveryQuery = z.strictObject({
  webhookId: WebhookId.optional(),
  status: z.enum(['pending', 'delivered', 'failed', 'cancelled']).optional(),
  /** The event a receiver names by its `webhook-id` header: every delivery of it, retries' row and replays. */
  eventId: z.string().trim().regex(EVENT_ID_PATTERN, 'must be an event id like evt_<seq>_<n> or ckpt_<n> (the webhook-id header)').optional(),
  limit: z.coerce
    .number({ error: 'must be a whole number from 1 to 500' })
    .int('must be a whole number from 1 to 500')
    .min(1, 'must be a whole number from 1 to 500')
    .max(500, 'must be a whole number from 1 to 500')
    .default(100),
});

/** The delivery log, newest first (a read: no audit row). */
export async function listDeliveries(db: Db, raw: unknown): Promise<DeliveryRecord[]> {
  const parsed = DeliveryQuery.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw fromZodError(parsed.error);
  const { webhookId, status, eventId, limit } = parsed.data;
  const { rows } = await db.pool.query<DeliveryRowSql>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d
     WHERE ($1::text IS NULL OR d.subscription_id = $1) AND ($2::text IS NULL OR d.status = $2) AND ($4::text IS NULL OR d.event_id = $4)
     ORDER BY d.created_at DESC, d.audit_seq DESC LIMIT $3`,
    [webhookId ?? null, status ?? null, limit, eventId ?? null],
  );
  return rows.map(deliveryRecord);
}
