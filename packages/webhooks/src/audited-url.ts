import { createHash } from 'node:crypto';

/** What an audit row says of a webhook's URL: never the URL itself. */
export interface AuditedWebhookUrl {
  /** Scheme, host and port (`https://hooks.slack.com`; the port only when not the scheme's default). */
  origin: string;
  /** `sha256:` and the first 16 hex digits of the SHA-256 of the URL as stored (as the subscription list shows it). */
  urlHash: string;
}

/**
 * A webhook's URL as its audit rows (webhook.created, webhook.removed) carry it. A receiver's URL is often its
 * credential (a Slack hook's path, Azure's `?code=`, a Logic App's `&sig=`, a Zapier hook's path, `?key=`), and every
 * user key reads the audit log (GET /api/v1/audit, the SIEM exports) while the subscription list is for admins: the
 * row keeps where deliveries go and a short hash that tells which URL it was (an admin compares it with the hash of a
 * URL from the list), never the path or query.
 */
export function auditedWebhookUrl(url: string): AuditedWebhookUrl {
  return { origin: new URL(url).origin, urlHash: `sha256:${createHash('sha256').update(url).digest('hex').slice(0, 16)}` };
}
