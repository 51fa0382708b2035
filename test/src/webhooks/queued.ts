import type { Db } from '@airlock/db';
import { newDeliveryId } from '@airlock/webhooks';

// Made-up events are numbered from here: beyond any audit seq a test's database reaches, so the outbox's derivation
// never queues the same event (dedupe key) for the same subscription.
let seq = 1_000_000;

export interface QueuedDelivery {
  /** The delivery's id (`dlv_…`). */
  id: string;
  /** Its event's id, the `webhook-id` a receiver sees: `evt_<seq>_0`, as the outbox names events. */
  eventId: string;
}

/**
 * Queues one delivery of a made-up `action.executed` event to the subscription, due now, as the outbox would
 * (`status`: a delivery that already ended, e.g. `delivered` for a replay to start from).
 */
export async function queueEvent(db: Db, webhookId: string, status: 'pending' | 'delivered' = 'pending'): Promise<QueuedDelivery> {
  seq += 1;
  const id = newDeliveryId();
  const eventId = `evt_${seq}_0`;
  const body = { type: 'action.executed', timestamp: new Date().toISOString(), data: { actionId: `act_${seq}`, status: 'executed' } };
  await db.pool.query(
    `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, dedupe_key, audit_seq, payload, status, next_attempt_at)
     VALUES ($1, $2, $3, 'action.executed', $4, $5, $6, $7, now())`,
    [id, webhookId, eventId, `${webhookId}:${eventId}`, seq, JSON.stringify(body), status],
  );
  return { id, eventId };
}

/** Queues one pending delivery of a made-up event (queueEvent) and returns its id. */
export async function queueDelivery(db: Db, webhookId: string): Promise<string> {
  return (await queueEvent(db, webhookId)).id;
}

/** A delivery's state as the dispatcher left it. */
export async function deliveryRow(db: Db, id: string) {
  const { rows } = await db.pool.query<{ status: string; attempts: number; last_status: number | null; last_error: string | null }>(
    'SELECT status, attempts, last_status, last_error FROM webhook_deliveries WHERE id = $1',
    [id],
  );
  return rows[0]!;
}
