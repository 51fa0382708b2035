import type { AuditEventType, AuditPayloadInput } from '@airlock/core';
import { redact } from '@airlock/guardrails';
import type pg from 'pg';
import type { Db } from '../client.js';
import { inTransaction, releaseLocksBeforeFlush } from '../governance/transaction.js';
import { auditRowHash, CURRENT_AUDIT_HASH_VERSION, GENESIS_HASH } from './hash.js';
import { AUDIT_COLUMNS, auditEventFromRow, type AuditRow, type StoredAuditEvent } from './rows.js';

// Arbitrary constant: serialises appends so each row links to the true previous row.
const AUDIT_CHAIN_LOCK_ID = 7_240_110_002;

/** What an event says, typed by the catalogue (packages/core/src/audit-events.ts): one member per event type. */
export type AuditEventBody = { [T in AuditEventType]: { type: T; actor: string; payload: AuditPayloadInput<T> } }[AuditEventType];

/** One row to append: a catalogued event and where it belongs. A type or payload the catalogue does not list does not compile. */
export type AuditEventInput = AuditEventBody & {
  /** Unique per logical event (e.g. `<actionId>:classified`): retries never write twice. */
  eventKey: string;
  actionId?: string | null;
};

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
  // The head lock is held to the end of the transaction; released before the WAL flush when inTransaction commits it.
  const early = releaseLocksBeforeFlush(client);
  await client.query(`SELECT pg_advisory_xact_lock($1::bigint)${early ? `, ${early}` : ''}`, [AUDIT_CHAIN_LOCK_ID]);
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
      hashVersion: CURRENT_AUDIT_HASH_VERSION,
    };
    const hash = auditRowHash(row);
    const result = await client.query<AuditRow>(
      `INSERT INTO audit_events (hash_version, event_key, action_id, type, actor, payload, created_at, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (event_key) DO NOTHING RETURNING ${AUDIT_COLUMNS}`,
      [row.hashVersion, row.eventKey, row.actionId, row.type, row.actor, JSON.stringify(payload), row.createdAt, row.prevHash, hash],
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
