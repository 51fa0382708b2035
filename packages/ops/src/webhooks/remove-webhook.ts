import { z } from 'zod';
import { notFound } from '../errors.js';
import { defineUseCase } from '../use-case.js';
import { auditedWebhookUrl, lockOutboxCursorIn, WEBHOOK_ID_PATTERN } from '@airlock/webhooks';
import { WEBHOOK_COLUMNS, webhookRecord, type WebhookRowSql } from './webhook-row.js';

export const WebhookId = z.string().trim().regex(WEBHOOK_ID_PATTERN, 'must be a webhook id like whk_k3m9x2qp7rtw4vza');
export const RemoveWebhookInput = z.strictObject({ webhookId: WebhookId });

/**
 * Removes a subscription (admin): nothing more is queued for it, its queued deliveries are cancelled, and its
 * delivery log stays. A delivery a worker's attempt holds (its lease, or one that ran out with the answer
 * unrecorded, or one a stopped worker gave back after its request went out: it keeps the lease) is left to that
 * attempt, which may already be on the wire: its answer is recorded (delivered, or the retry it leads to is cancelled
 * and audited by the worker; one never recorded is cancelled and audited as answer unknown), so the log never calls
 * plainly cancelled what the receiver took. The result and the audit row count those
 * in flight (the row names the URL by origin and hash, as webhook.created does). A repeat changes nothing.
 */
export const removeWebhook = defineUseCase({
  name: 'webhook.remove',
  role: 'admin',
  input: RemoveWebhookInput,
  async write(tx, input) {
    // Derivation queues deliveries under the outbox cursor's lock, for the subscriptions it read: taking it first
    // means none it is queueing for this webhook commits after the cancel below (and then goes out after removal).
    await lockOutboxCursorIn(tx);
    const { rows } = await tx.query<WebhookRowSql>(`SELECT ${WEBHOOK_COLUMNS} FROM webhook_subscriptions WHERE id = $1 FOR UPDATE`, [input.webhookId]);
    if (!rows[0]) throw notFound(`no webhook "${input.webhookId}"`, 'webhookId');
    if (rows[0].removed_at) return { result: { webhook: webhookRecord(rows[0]), cancelledDeliveries: 0, inFlightDeliveries: 0, changed: false }, audit: null };
    const removed = await tx.query<WebhookRowSql>(`UPDATE webhook_subscriptions SET removed_at = now() WHERE id = $1 RETURNING ${WEBHOOK_COLUMNS}`, [input.webhookId]);
    // A claim committing meanwhile makes its delivery leased before this update re-reads the row: then it is in flight.
    // So is one whose lease ran out with its attempt's answer unrecorded (an answer clears the lease): that attempt went
    // out, and its worker may still record the answer; the worker's cancelRemoved() waits for it, then cancels and audits.
    // And one a worker's stop gave back after its request went out (the receiver may have taken it): it keeps the lease.
    const cancelled = await tx.query("UPDATE webhook_deliveries SET status = 'cancelled' WHERE subscription_id = $1 AND status = 'pending' AND leased_until IS NULL", [
      input.webhookId,
    ]);
    const cancelledDeliveries = cancelled.rowCount ?? 0;
    const inFlight = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1 AND status = 'pending'", [input.webhookId]);
    const inFlightDeliveries = inFlight.rows[0]!.n;
    return {
      result: { webhook: webhookRecord(removed.rows[0]!), cancelledDeliveries, inFlightDeliveries, changed: true },
      audit: { type: 'webhook.removed', payload: { webhookId: input.webhookId, ...auditedWebhookUrl(rows[0].url), cancelledDeliveries, inFlightDeliveries } },
    };
  },
});
