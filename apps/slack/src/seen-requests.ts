import { sqlLiteral, type Db } from '@airlock/db';
import type pg from 'pg';
import type { SeenEntry, SeenRequests } from './receiver.js';

/**
 * The replay guard's memory in PostgreSQL, shared by every replica of the Slack
 * app: a request accepted by one is a replay to all. One round trip per remember;
 * expired keys are purged on the way.
 */
export class PostgresSeenRequests implements SeenRequests {
  constructor(private readonly db: Db) {}

  async remember(entries: readonly SeenEntry[], nowMs: number): Promise<Set<string>> {
    // DO UPDATE refuses a key twice in one statement; sorted, two calls lock the keys they share in one order.
    const unique = [...new Map(entries.map((e) => [e.key, e])).values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    if (unique.length === 0) return new Set();
    const now = `${sqlLiteral(new Date(nowMs))}::timestamptz`;
    const keys = unique.map((e) => sqlLiteral(e.key)).join(', ');
    const marks = unique.map((e) => `(${sqlLiteral(e.key)}, ${sqlLiteral(new Date(e.expiresAtMs))}::timestamptz)`).join(', ');
    // One message, one transaction, two statements (no $n parameters in the simple protocol: values are inlined).
    // The upsert replaces an expired mark of a key being stored (RETURNING says it was stored) and leaves a live one
    // (the key is not fresh); it locks those rows. The purge of the other expired keys comes after it and skips rows
    // another call holds: a purge that waited on another replica's locked key deadlocked (40P01) with that replica's
    // purge waiting on this one's. So a call waits only in its upsert, on keys it stores, in sorted order, and never
    // while holding a row it purged. pg answers a message of several statements with one result each.
    const [stored] = (await this.db.pool.query(
      `INSERT INTO slack_seen_requests (key, expires_at) VALUES ${marks}
         ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE slack_seen_requests.expires_at <= ${now}
         RETURNING key;
       DELETE FROM slack_seen_requests WHERE key IN (
         SELECT key FROM slack_seen_requests WHERE expires_at <= ${now} AND key NOT IN (${keys}) FOR UPDATE SKIP LOCKED)`,
    )) as unknown as [pg.QueryResult<{ key: string }>, pg.QueryResult];
    return new Set(stored.rows.map((r) => r.key));
  }

  async has(key: string, nowMs: number): Promise<boolean> {
    const { rowCount } = await this.db.pool.query('SELECT 1 FROM slack_seen_requests WHERE key = $1 AND expires_at > $2', [key, new Date(nowMs)]);
    return (rowCount ?? 0) > 0;
  }
}
