import { isIP } from 'node:net';
import { refusedAddressReason } from '@airlock/tools/addresses';
import { auditedWebhookUrl, newWebhookId, newWebhookSecret, subscriptionStartIn, WebhookEventType, WebhookUrl } from '@airlock/webhooks';
import { z } from 'zod';
import { storedText } from '../stored-text.js';
import { defineUseCase } from '../use-case.js';
import { WEBHOOK_COLUMNS, webhookRecord, type CreatedWebhook, type WebhookRowSql } from './webhook-row.js';

/**
 * An IP literal the dispatcher would refuse is refused here already, naming the
 * field. Loopback is left to the worker (AIRLOCK_WEBHOOKS_ALLOW_LOOPBACK); names
 * are resolved and checked at every delivery, since DNS answers change.
 */
const DeliverableUrl = WebhookUrl.refine((raw) => {
  const url = URL.parse(raw);
  if (!url) return true;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!isIP(host)) return true;
  const reason = refusedAddressReason(host);
  return reason === null || reason.startsWith('loopback');
}, 'must not point at a private, link-local or otherwise special address (SSRF protection)');

export const CreateWebhookInput = z.strictObject({
  url: DeliverableUrl,
  events: z.array(WebhookEventType).max(WebhookEventType.options.length).default([]),
  description: storedText(200, { allowEmpty: true }).optional(),
});

/**
 * Subscribes a URL to lifecycle events (admin). Deliveries start with the next
 * audit row (never history, however far the workers lag); the signing secret is
 * in this answer only. The audit row names the URL by its origin and hash: it
 * may carry the receiver's credential, and any user key reads the audit log.
 */
export const createWebhook = defineUseCase({
  name: 'webhook.create',
  role: 'admin',
  input: CreateWebhookInput,
  async write(tx, input, operator) {
    const fromSeq = await subscriptionStartIn(tx);
    const id = newWebhookId();
    const secret = newWebhookSecret();
    const events = [...new Set(input.events)];
    const { rows } = await tx.query<WebhookRowSql>(
      `INSERT INTO webhook_subscriptions (id, url, events, secret, description, from_seq, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${WEBHOOK_COLUMNS}`,
      [id, input.url, events, secret, input.description ?? null, fromSeq.toString(), operator.actor],
    );
    const webhook = webhookRecord(rows[0]!);
    const created: CreatedWebhook = { webhook, secret };
    return { result: created, audit: { type: 'webhook.created', payload: { webhookId: id, ...auditedWebhookUrl(webhook.url), events, description: webhook.description } } };
  },
});
