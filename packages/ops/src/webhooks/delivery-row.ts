/** One delivery of one event to one subscription, with its last attempt. */
export interface DeliveryRecord {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  auditSeq: string;
  actionId: string | null;
  /** pending | delivered | failed | cancelled */
  status: string;
  attempts: number;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  replayOf: string | null;
  createdAt: Date;
}

export interface DeliveryRowSql {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  audit_seq: string;
  action_id: string | null;
  status: string;
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  replay_of: string | null;
  created_at: Date;
}

/** Columns of `webhook_deliveries d`. */
export const DELIVERY_COLUMNS = `d.id, d.subscription_id, d.event_id, d.event_type, d.audit_seq::text AS audit_seq, d.payload->'data'->>'actionId' AS action_id,
  d.status, d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_status, d.last_error, d.delivered_at, d.replay_of, d.created_at`;

export function deliveryRecord(row: DeliveryRowSql): DeliveryRecord {
  return {
    id: row.id,
    webhookId: row.subscription_id,
    eventId: row.event_id,
    eventType: row.event_type,
    auditSeq: row.audit_seq,
    actionId: row.action_id,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    lastAttemptAt: row.last_attempt_at,
    lastStatus: row.last_status,
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
    replayOf: row.replay_of,
    createdAt: row.created_at,
  };
}
