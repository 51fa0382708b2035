import type { Db } from '@airlock/db';
import type { SeenRequests } from './receiver.js';

/**
 * The replay guard's memory in PostgreSQL, shared by every replica of the Slack
 * app: a request accepted by one is a replay to all. One statement per request;
 * expired keys are purged on the way.
 */
export class PostgresSeenRequests implements SeenRequests {
  constructor(private readonly db: Db) {}

  async remember(key: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    const { rowCount } = await this.db.pool.query(
      `WITH purged AS (DELETE FROM slack_seen_requests WHERE expires_at <= $3)
       INSERT INTO slack_seen_requests (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
      [key, new Date(expiresAtMs), new Date(nowMs)],
    );
    return rowCount === 1;
  }
}
