/** A subscription as operators see it; the secret only ever appears in `CreatedWebhook`. */
export interface WebhookRecord {
  id: string;
  url: string;
  /** Empty: every lifecycle event. */
  events: string[];
  description: string | null;
  createdBy: string;
  createdAt: Date;
  removedAt: Date | null;
}

export interface CreatedWebhook {
  webhook: WebhookRecord;
  /** The signing secret (`whsec_…`), shown once. */
  secret: string;
}

export interface WebhookRowSql {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  created_by: string;
  created_at: Date;
  removed_at: Date | null;
}

export const WEBHOOK_COLUMNS = 'id, url, events, description, created_by, created_at, removed_at';

export function webhookRecord(row: WebhookRowSql): WebhookRecord {
  return { id: row.id, url: row.url, events: row.events, description: row.description, createdBy: row.created_by, createdAt: row.created_at, removedAt: row.removed_at };
}
