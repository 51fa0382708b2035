import { canonicalJson } from '@airlock/core';
import { sha256Hex } from '@airlock/core/hashing';
import { redact } from '@airlock/guardrails';
import type pg from 'pg';
import type { Db } from './client.js';
import { inTransaction } from './governance/transaction.js';

export const GENESIS_HASH = '0'.repeat(64);

// Arbitrary constant: serialises appends so each row links to the true previous row.
const AUDIT_CHAIN_LOCK_ID = 7_240_110_002;

export interface AuditEventInput {
  /** Unique per logical event (e.g. `<actionId>:classified`): retries never write twice. */
  eventKey: string;
  actionId?: string | null;
  type: string;
  actor: string;
  payload: Record<string, unknown>;
}

export interface StoredAuditEvent {
  seq: bigint;
  eventKey: string;
  actionId: string | null;
  type: string;
  actor: string;
  payload: unknown;
  createdAt: Date;
  prevHash: string;
  hash: string;
}

/** What each hash covers: the previous hash and every column but seq. */
export function auditRowHash(row: Omit<StoredAuditEvent, 'seq' | 'hash'>): string {
  return sha256Hex(
    canonicalJson({
      prevHash: row.prevHash,
      eventKey: row.eventKey,
      actionId: row.actionId,
      type: row.type,
      actor: row.actor,
      payload: row.payload,
      createdAt: row.createdAt.toISOString(),
    }),
  );
}

/** An audit_events row as plain SQL returns it (seq as text). */
export interface AuditRow {
  seq: string;
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
export const AUDIT_COLUMNS = 'seq, event_key, action_id, type, actor, payload, created_at, prev_hash, hash';

export function auditEventFromRow(r: AuditRow): StoredAuditEvent {
  return {
    seq: BigInt(r.seq),
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

/** Told of the rows this process inserted (not those a retry found already written). Must be quick and must not throw. */
export type AuditObserver = (inserted: readonly StoredAuditEvent[]) => void;

const observers = new Set<AuditObserver>();

/**
 * Follows the rows this process appends, e.g. to count transitions for metrics;
 * returns the unsubscribe. `appendAudit` reports after its own commit.
 * `appendAuditIn` reports as soon as the rows are in the caller's transaction:
 * every caller appends last and commits right after, so a report stands for a
 * row that is not there only when that COMMIT itself fails.
 */
export function observeAudit(observer: AuditObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

function report(inserted: StoredAuditEvent[]): void {
  if (inserted.length === 0) return;
  for (const observer of observers) {
    try {
      observer(inserted);
    } catch {
      // An observer is a bystander: it never fails the transition it watches.
    }
  }
}

/**
 * Appends events to the chain in one transaction, in order. An event whose
 * `eventKey` was written before is returned as stored, not written again.
 * Plain SQL on purpose: this runs on every transition and must cost one short
 * transaction, not an interactive ORM one.
 */
export async function appendAudit(db: Db, ...events: AuditEventInput[]): Promise<StoredAuditEvent[]> {
  const { stored, inserted } = await inTransaction(db, (client) => appendChained(client, events));
  report(inserted);
  return stored;
}

/**
 * Appends inside the caller's open transaction, so a state change and its audit
 * row commit together (one commit instead of two on the hot path).
 */
export async function appendAuditIn(client: pg.PoolClient, ...events: AuditEventInput[]): Promise<StoredAuditEvent[]> {
  const { stored, inserted } = await appendChained(client, events);
  report(inserted);
  return stored;
}

async function appendChained(client: pg.PoolClient, events: AuditEventInput[]): Promise<{ stored: StoredAuditEvent[]; inserted: StoredAuditEvent[] }> {
  await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_CHAIN_LOCK_ID]);
  const head = await client.query<{ hash: string }>('SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1');
  let prevHash = head.rows[0]?.hash ?? GENESIS_HASH;
  const stored: StoredAuditEvent[] = [];
  const inserted: StoredAuditEvent[] = [];
  for (const event of events) {
    // Redacted here, at the one door into the log, so no caller can store raw PII or secrets;
    // then round-tripped through JSON so the hash covers exactly what JSONB will return.
    const payload = JSON.parse(JSON.stringify(redact(event.payload).value)) as unknown;
    const row = {
      eventKey: event.eventKey,
      actionId: event.actionId ?? null,
      type: event.type,
      actor: event.actor,
      payload,
      createdAt: new Date(),
      prevHash,
    };
    const hash = auditRowHash(row);
    const result = await client.query<AuditRow>(
      `INSERT INTO audit_events (event_key, action_id, type, actor, payload, created_at, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_key) DO NOTHING RETURNING ${AUDIT_COLUMNS}`,
      [row.eventKey, row.actionId, row.type, row.actor, JSON.stringify(payload), row.createdAt, row.prevHash, hash],
    );
    if (result.rows[0]) {
      const written = auditEventFromRow(result.rows[0]);
      stored.push(written);
      inserted.push(written);
      prevHash = hash;
    } else {
      const existing = await client.query<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE event_key = $1`, [event.eventKey]);
      stored.push(auditEventFromRow(existing.rows[0]!));
    }
  }
  return { stored, inserted };
}

export type ChainVerification =
  | { ok: true; checkedRows: number; headHash: string }
  | { ok: false; checkedRows: number; firstBrokenSeq: string; reason: string };

/** Walks the whole chain in seq order; reports the first row whose link or content does not verify. */
export async function verifyAuditChain(db: Db, options: { batchSize?: number } = {}): Promise<ChainVerification> {
  const batchSize = options.batchSize ?? 5000;
  let prevHash = GENESIS_HASH;
  let checkedRows = 0;
  let after = '0';
  for (;;) {
    const { rows } = await db.pool.query<AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq ASC LIMIT $2`,
      [after, batchSize],
    );
    for (const raw of rows) {
      const row = auditEventFromRow(raw);
      if (row.prevHash !== prevHash) {
        return { ok: false, checkedRows, firstBrokenSeq: raw.seq, reason: 'prev_hash does not match the previous row: a row was removed, reordered or inserted' };
      }
      if (auditRowHash(row) !== row.hash) {
        return { ok: false, checkedRows, firstBrokenSeq: raw.seq, reason: 'row content does not match its hash: the row was altered' };
      }
      prevHash = row.hash;
      checkedRows += 1;
    }
    if (rows.length < batchSize) return { ok: true, checkedRows, headHash: prevHash };
    after = rows[rows.length - 1]!.seq;
  }
}
