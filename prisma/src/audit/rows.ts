import type { AuditHashVersion } from './hash.js';

export interface StoredAuditEvent {
  seq: bigint;
  hashVersion: AuditHashVersion;
  eventKey: string;
  actionId: string | null;
  type: string;
  actor: string;
  payload: unknown;
  createdAt: Date;
  prevHash: string;
  hash: string;
}

/** An audit_events row as plain SQL returns it (seq as text). */
export interface AuditRow {
  seq: string;
  hash_version: number;
  event_key: string;
  action_id: string | null;
  type: string;
  actor: string;
  payload: unknown;
  created_at: Date;
  prev_hash: string;
  hash: string;
}

/** Every audit_events column, in the order AuditRow lists them. */
export const AUDIT_COLUMNS = 'seq, hash_version, event_key, action_id, type, actor, payload, created_at, prev_hash, hash';

export function auditEventFromRow(r: AuditRow): StoredAuditEvent {
  return {
    seq: BigInt(r.seq),
    hashVersion: r.hash_version === 1 ? 1 : 2,
    eventKey: r.event_key,
    actionId: r.action_id,
    type: r.type,
    actor: r.actor,
    payload: r.payload,
    createdAt: r.created_at,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
