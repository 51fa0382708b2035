import { DELIVERY_ID_PATTERN, newDeliveryId } from '@airlock/webhooks';
import { z } from 'zod';
import { OpsError, notFound } from '../errors.js';
import { defineUseCase } from '../use-case.js';
import { DELIVERY_COLUMNS, deliveryRecord, type DeliveryRowSql } from './delivery-row.js';

export const ReplayDeliveryInput = z.strictObject({ deliveryId: z.string().trim().regex(DELIVERY_ID_PATTERN, 'must be a delivery id like dlv_…') });

/**
 * Sends an event to its subscription again (admin), as a new delivery with the
 * same `webhook-id` (receivers that saw it can drop it). For a receiver that lost
 * an event, or one that was down past the last retry.
 */
export const replayDelivery = defineUseCase({
  name: 'webhook.replay',
  role: 'admin',
  input: ReplayDeliveryInput,
  async write(tx, input) {
    // FOR SHARE: a removal (which locks the subscription FOR UPDATE and cancels its pending
    // deliveries) either committed before this read, and removed_at says so, or waits for this
    // transaction and then cancels the replay with the rest. Read unlocked, a removal committing
    // between this check and the insert left the replay pending, and it was sent after the removal.
    const { rows } = await tx.query<DeliveryRowSql & { removed_at: Date | null }>(
      `SELECT ${DELIVERY_COLUMNS}, s.removed_at FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE d.id = $1 FOR SHARE OF s`,
      [input.deliveryId],
    );
    const original = rows[0];
    if (!original) throw notFound(`no webhook delivery "${input.deliveryId}"`, 'deliveryId');
    if (original.removed_at)
      throw new OpsError('conflict', `webhook ${original.subscription_id} was removed; its events are not sent any more`, [
        { path: 'deliveryId', message: 'belongs to a removed webhook' },
      ]);
    const id = newDeliveryId();
    const inserted = await tx.query<DeliveryRowSql>(
      `INSERT INTO webhook_deliveries AS d (id, subscription_id, event_id, event_type, dedupe_key, audit_seq, payload, status, next_attempt_at, replay_of)
       SELECT $1, subscription_id, event_id, event_type, $2, audit_seq, payload, 'pending', now(), id FROM webhook_deliveries WHERE id = $3
       RETURNING ${DELIVERY_COLUMNS}`,
      [id, `${original.subscription_id}:${original.event_id}:replay:${id}`, input.deliveryId],
    );
    const replay = deliveryRecord(inserted.rows[0]!);
    return {
      result: replay,
      audit: {
        type: 'webhook.replayed',
        payload: { webhookId: replay.webhookId, deliveryId: input.deliveryId, replayId: id, eventId: replay.eventId, eventType: replay.eventType },
      },
    };
  },
});
