import type { AuditEventType, AuditPayloadInput } from '@airlock/core';
import { redact } from '@airlock/guardrails';
import type pg from 'pg';
import type { Db } from '../client.js';
import { inlineParams, type SqlValue } from '../governance/sql-literals.js';
import { inOneMessage, releaseLocksBeforeFlush } from '../governance/transaction.js';
import { auditHashInputV2Around, CURRENT_AUDIT_HASH_VERSION, GENESIS_HASH, type HashedAuditFields } from './hash.js';
import { AUDIT_COLUMNS, auditEventFromRow, type AuditRow, type StoredAuditEvent } from './rows.js';

// Arbitrary constant: serialises appends so each row links to the true previous row.
const AUDIT_CHAIN_LOCK_ID = 7_240_110_002;

// Rows per append statement: its chain is a recursive CTE that scans its rows once per row.
const APPEND_STATEMENT_ROWS = 50;

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
  return events.length === 0 ? [] : appendAuditWith(db, [], ...events);
}

/**
 * A transaction in one message: BEGIN, `writes` (statements without $n
 * parameters: see inlineParams), the chain lock, the append of `events`,
 * COMMIT. For a state change whose audit rows are known before it is sent.
 */
export async function appendAuditWith(db: Db, writes: readonly string[], ...events: AuditEventInput[]): Promise<StoredAuditEvent[]> {
  if (events.length === 0) throw new Error('appendAuditWith: no events');
  let append: AuditAppendMessage | undefined;
  const inserted = await inOneMessage(
    db,
    (client) => {
      append = auditAppendMessage(client, events);
      return [...writes, append.sql].join('; ');
    },
    (results) => append!.read(results),
  );
  return storedEvents(db.pool, events, inserted);
}

export interface AuditAppendMessage {
  /** The chain lock, then the append statements. */
  sql: string;
  /** Given the results of the whole message once it has committed: tells the observers and returns the rows inserted, in chain order. */
  read: (results: readonly pg.QueryResult[]) => StoredAuditEvent[];
}

/**
 * The chain lock and the append of `events`, to end a message that commits
 * (commitWith, inOneMessage): a transaction's last writes and its audit rows
 * in one round trip. Call `read` only after the commit.
 */
export function auditAppendMessage(client: pg.PoolClient, events: readonly AuditEventInput[]): AuditAppendMessage {
  const appends = appendStatements(events);
  return {
    sql: [`SELECT ${auditChainLockItems(client)}`, ...appends].join('; '),
    read: (results) => {
      const inserted = insertedRows(results.slice(results.length - appends.length), events);
      report(inserted);
      return inserted;
    },
  };
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

/**
 * The chain lock as select-list items, for the statement that writes last before
 * an append (then `appendAuditLockedIn`): one round trip fewer. That statement
 * must evaluate them exactly once, after its writes (e.g. one row over aggregates
 * of its CTEs), so the lock is never held while a write waits for a row.
 * An insert's foreign-key checks are the exception: they run at the end of the
 * statement, after the lock, and take FOR KEY SHARE on the rows referenced. No
 * transaction that appends may hold such a row FOR UPDATE (use FOR NO KEY UPDATE),
 * or the two deadlock.
 */
export function auditChainLockItems(client: pg.PoolClient): string {
  // The head lock is held to the end of the transaction; released before the WAL flush when inTransaction commits it.
  const early = releaseLocksBeforeFlush(client);
  return `pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_ID}::bigint)${early ? `, ${early}` : ''}`;
}

/** `appendAuditIn` for a transaction whose previous statement took the chain lock (auditChainLockItems). */
export async function appendAuditLockedIn(client: pg.PoolClient, ...events: AuditEventInput[]): Promise<StoredAuditEvent[]> {
  const { stored, inserted } = await appendChained(client, events, { locked: true });
  report(inserted);
  return stored;
}

async function appendChained(client: pg.PoolClient, events: AuditEventInput[], options = { locked: false }): Promise<{ stored: StoredAuditEvent[]; inserted: StoredAuditEvent[] }> {
  if (events.length === 0) return { stored: [], inserted: [] };
  const appends = appendStatements(events);
  // One message: the lock, then the appends, each a statement of its own after it, whose snapshot under READ
  // COMMITTED sees every append the lock waited for (and the rows of the statements before it).
  const sql = options.locked ? appends.join('; ') : [`SELECT ${auditChainLockItems(client)}`, ...appends].join('; ');
  const results = [(await client.query(sql)) as pg.QueryResult | pg.QueryResult[]].flat();
  const inserted = insertedRows(results.slice(results.length - appends.length), events);
  return { stored: await storedEvents(client, events, inserted), inserted };
}

/** The append statements for `events`, to send after the chain lock's statement. */
function appendStatements(events: readonly AuditEventInput[]): string[] {
  const statements: string[] = [];
  for (let i = 0; i < events.length; i += APPEND_STATEMENT_ROWS) {
    statements.push(auditAppendStatement(events.slice(i, i + APPEND_STATEMENT_ROWS).map((event) => ({ event }))));
  }
  return statements;
}

/** The rows the append statements inserted, in chain order. */
function insertedRows(results: readonly pg.QueryResult[], events: readonly AuditEventInput[]): StoredAuditEvent[] {
  const byKey = new Map<string, StoredAuditEvent>();
  for (const result of results) for (const row of result.rows as AuditRow[]) byKey.set(row.event_key, auditEventFromRow(row));
  return [...new Set(events.map((event) => event.eventKey))].filter((key) => byKey.has(key)).map((key) => byKey.get(key)!);
}

/** Each event as stored: inserted now, or found written before (read only when there are such). */
async function storedEvents(queryable: pg.PoolClient | pg.Pool, events: readonly AuditEventInput[], inserted: readonly StoredAuditEvent[]): Promise<StoredAuditEvent[]> {
  const byKey = new Map(inserted.map((event) => [event.eventKey, event]));
  const missing = events.map((event) => event.eventKey).filter((key) => !byKey.has(key));
  if (missing.length > 0) {
    const existing = await queryable.query<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE event_key = ANY($1::text[])`, [missing]);
    for (const row of existing.rows) byKey.set(row.event_key, auditEventFromRow(row));
  }
  return events.map((event) => byKey.get(event.eventKey)!);
}

/** A row to append, before the database links it into the chain. */
type UnchainedRow = Omit<HashedAuditFields, 'prevHash' | 'createdAt'> & { hashVersion: typeof CURRENT_AUDIT_HASH_VERSION; createdAt: Date };

/**
 * The rows `events` become, minus those whose key came earlier in `events`
 * (each key is written once and returned as stored).
 * Redacted here, at the one door into the log, so no caller can store raw PII
 * or secrets; then round-tripped through JSON so the hash covers exactly what
 * JSONB will return.
 */
function unchainedRows(events: readonly AuditEventInput[]): UnchainedRow[] {
  const written = new Set<string>();
  const rows: UnchainedRow[] = [];
  for (const event of events) {
    if (written.has(event.eventKey)) continue;
    written.add(event.eventKey);
    const payload = JSON.parse(JSON.stringify(redact(event.payload).value)) as unknown;
    rows.push({
      eventKey: event.eventKey,
      actionId: event.actionId ?? null,
      type: event.type,
      actor: event.actor,
      payload,
      createdAt: new Date(),
      hashVersion: CURRENT_AUDIT_HASH_VERSION,
    });
  }
  return rows;
}

/** An event for auditAppendStatement, appended only if `when` (an SQL boolean, e.g. a flag an earlier statement set) is true. */
export interface AppendedEvent {
  event: AuditEventInput;
  when?: string;
}

/**
 * One statement that appends `events` to the chain with the hashes computed by
 * the database: it reads the head and hashes each row's input around its
 * predecessor's hash (auditHashInputV2Around), so the head read, the hashing
 * and the insert cost no round trip of their own. The same hash version and
 * bytes as a row hashed here. A row whose key is already written, or whose
 * `when` is false, is left out and the next row links to the one before it.
 * Sent after the statement that took the chain lock (auditChainLockItems), in
 * the same transaction: under READ COMMITTED its snapshot then sees every
 * append the lock waited for. No ON CONFLICT: a key written after that
 * snapshot (impossible while every append holds the lock) fails the statement,
 * so a COMMIT sent after it does not run. Returns the inserted rows in chain
 * order (reportAppended tells the observers once they are committed).
 */
export function auditAppendStatement(events: readonly AppendedEvent[]): string {
  const conditions = new Map<string, string | undefined>();
  for (const { event, when } of events) if (!conditions.has(event.eventKey)) conditions.set(event.eventKey, when);
  const rows = unchainedRows(events.map((e) => e.event));
  if (rows.length === 0) throw new Error('auditAppendStatement: no events');
  // The rows' values are parameters of one statement per row count and conditions (inlineParams: prepared once per
  // connection), so PostgreSQL does not parse and plan the append afresh for every action.
  const params: SqlValue[] = [];
  const param = (value: SqlValue) => `$${params.push(value)}`;
  const values = rows.map((row, i) => {
    const { before, after } = auditHashInputV2Around(row, row.createdAt.toISOString());
    const key = param(row.eventKey);
    const when = conditions.get(row.eventKey);
    const fresh = `NOT EXISTS (SELECT 1 FROM audit_events WHERE event_key = ${key}::text)`;
    return (
      `(${i + 1}, ${row.hashVersion}::smallint, ${key}::text, ${param(row.actionId)}::text, ${param(row.type)}::text, ` +
      `${param(row.actor)}::text, ${param(JSON.stringify(row.payload))}::jsonb, ${param(row.createdAt)}::timestamptz, ` +
      `decode(${param(Buffer.from(before, 'utf8').toString('hex'))}::text, 'hex'), decode(${param(Buffer.from(after, 'utf8').toString('hex'))}::text, 'hex'), ` +
      `${when ? `(${when}) AND ` : ''}${fresh})`
    );
  });
  // chain(n) carries the head after row n: row n's hash when it is appended, its predecessor's otherwise.
  return inlineParams(
    `WITH RECURSIVE appended (ord, hash_version, event_key, action_id, type, actor, payload, created_at, input_before, input_after, included) AS (
            VALUES ${values.join(',\n                   ')}),
          chain (ord, prev_hash, hash) AS (
            SELECT 0, NULL::text, coalesce((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), '${GENESIS_HASH}')
            UNION ALL
            SELECT e.ord, c.hash,
                   CASE WHEN e.included THEN encode(sha256(e.input_before || convert_to(c.hash, 'UTF8') || e.input_after), 'hex') ELSE c.hash END
              FROM chain c JOIN appended e ON e.ord = c.ord + 1)
     INSERT INTO audit_events (hash_version, event_key, action_id, type, actor, payload, created_at, prev_hash, hash)
     SELECT e.hash_version, e.event_key, e.action_id, e.type, e.actor, e.payload, e.created_at, c.prev_hash, c.hash
       FROM appended e JOIN chain c USING (ord) WHERE e.included ORDER BY e.ord
     RETURNING ${AUDIT_COLUMNS}`,
    params,
  );
}

/** Tells the observers of the rows an auditAppendStatement inserted, once its transaction has committed. */
export function reportAppended(result: pg.QueryResult): void {
  report((result.rows as AuditRow[]).map(auditEventFromRow));
}
