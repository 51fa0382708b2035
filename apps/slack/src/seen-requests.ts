import type { Db } from '@airlock/db';
import type { SeenEntry, SeenRequests } from './receiver.js';

/**
 * The replay guard's memory in PostgreSQL, shared by every replica of the Slack
 * app: a request accepted by one is a replay to all. One statement per request;
 * expired keys are purged on the way.
 */
export class PostgresSeenRequests implements SeenRequests {
  constructor(private readonly db: Db) {}

  async remember(entries: readonly SeenEntry[], nowMs: number): Promise<Set<string>> {
    // The purge and the INSERT see the same snapshot: an expired mark of a key being stored still conflicts,
    // so the INSERT replaces it (left to the purge, the new mark was never stored); the purge skips those keys,
    // as one statement must not both delete and update a row. DO UPDATE refuses a key twice in one statement.
    const unique = [...new Map(entries.map((e) => [e.key, e])).values()];
    const { rows } = await this.db.pool.query<{ key: string }>(
      `WITH purged AS (DELETE FROM slack_seen_requests WHERE expires_at <= $3 AND key <> ALL($1::text[]))
       INSERT INTO slack_seen_requests (key, expires_at) SELECT * FROM unnest($1::text[], $2::timestamptz[])
       ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE slack_seen_requests.expires_at <= $3
       RETURNING key`,
      [unique.map((e) => e.key), unique.map((e) => new Date(e.expiresAtMs)), new Date(nowMs)],
    );
    return new Set(rows.map((r) => r.key));
  }

  async has(key: string, nowMs: number): Promise<boolean> {
    const { rowCount } = await this.db.pool.query('SELECT 1 FROM slack_seen_requests WHERE key = $1 AND expires_at > $2', [key, new Date(nowMs)]);
    return (rowCount ?? 0) > 0;
  }
}
