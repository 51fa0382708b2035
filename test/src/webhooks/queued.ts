import type { Db } from '@airlock/db';
import { newDeliveryId } from '@airlock/webhooks';

let counter = 0;

/** Queues one delivery of a made-up `action.executed` event to the subscription, due now (event ids `evt_<tag>_<n>`). */
export async function queueDelivery(db: Db, webhookId: string, tag: string): Promise<string> {
  const id = newDeliveryId();
  const eventId = `evt_${tag}_${(counter += 1)}`;
  const body = { type: 'action.executed', timestamp: new Date().toISOString(), data: { actionId: `act_${counter}`, status: 'executed' } };
  await db.pool.query(
    `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, dedupe_key, audit_seq, payload, status, next_attempt_at)
     VALUES ($1, $2, $3, 'action.executed', $4, 0, $5, 'pending', now())`,
    [id, webhookId, eventId, `${webhookId}:${eventId}`, JSON.stringify(body)],
  );
  return id;
}

/** A delivery's state as the dispatcher left it. */
export async function deliveryRow(db: Db, id: string) {
  const { rows } = await db.pool.query<{ status: string; attempts: number; last_status: number | null; last_error: string | null }>(
    'SELECT status, attempts, last_status, last_error FROM webhook_deliveries WHERE id = $1',
    [id],
  );
  return rows[0]!;
}
