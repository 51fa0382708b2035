import type pg from 'pg';
import { z } from 'zod';
import type { Db } from '../client.js';
import { Target } from './scope.js';
import { inlineParams } from './sql-literals.js';
import { inTransaction, lockNameStatement } from './transaction.js';

export const RateLimitRequest = z.object({
  /** The counter, e.g. "agent:a-1:payments.refund"; the policy layer builds it. */
  key: z.string().min(1).max(1000),
  actionId: Target,
  limit: z.number().int().min(0),
  windowMs: z.number().int().positive(),
  at: z.date(),
});
export type RateLimitRequest = z.input<typeof RateLimitRequest>;

export interface RateLimitResult {
  allowed: boolean;
  /** Events in the window, counting this action when it was allowed. */
  count: number;
}

/**
 * Sliding window: an action is allowed while fewer than `limit` events fall in
 * (at - window, at]. Events are kept for two windows so a late caller (a clock a
 * little behind) still sees the events that count for it, and a retry inside
 * that span is still recognised.
 */
export async function consumeRateLimit(db: Db, input: RateLimitRequest): Promise<RateLimitResult> {
  return inTransaction(db, (client) => consumeRateLimitIn(client, input));
}

/**
 * The same inside the caller's transaction (admission counts, reserves and
 * records in one commit). The counter's lock is held until that transaction ends.
 */
export async function consumeRateLimitIn(client: pg.PoolClient, input: RateLimitRequest): Promise<RateLimitResult> {
  const results = (await client.query(rateLimitStatements(input))) as unknown as pg.QueryResult[];
  return rateLimitResultFrom(results[1]!.rows as CountRow[]);
}

type CountRow = { count: string; counted: boolean; added: boolean };

/**
 * consumeRateLimitIn's two statements in one message, values inlined: the
 * counter's lock, then purge, count and (if allowed) insert. Sent alone or in
 * another statement's message (admission sends them with BEGIN); the second
 * result is the count's (rateLimitResultFrom).
 */
export function rateLimitStatements(input: RateLimitRequest): string {
  const { key, actionId, limit, windowMs, at } = RateLimitRequest.parse(input);
  // Count-then-insert is only safe if one caller per key does it at a time. A statement of its own after the
  // lock: under READ COMMITTED its snapshot then sees every event the lock waited for.
  // One statement: purge, count and (if allowed) insert. All three CTEs see the same
  // snapshot, so the count may still include purged rows — they are older than the
  // window and filtered out anyway.
  const count = inlineParams(
    `WITH purged AS (DELETE FROM rate_events WHERE key = $1 AND at <= $4),
          seen AS (SELECT count(*) FILTER (WHERE at > $2) AS count, coalesce(bool_or(action_id = $3), false) AS counted
                     FROM rate_events WHERE key = $1),
          added AS (INSERT INTO rate_events (key, action_id, at)
                    SELECT $1, $3, $5 FROM seen WHERE NOT seen.counted AND seen.count < $6 RETURNING 1)
     SELECT seen.count, seen.counted, EXISTS (SELECT 1 FROM added) AS added FROM seen`,
    [key, new Date(at.getTime() - windowMs), actionId, new Date(at.getTime() - 2 * windowMs), at, limit],
  );
  return `${lockNameStatement('rate', key)}; ${count}`;
}

/** The outcome from the count statement's rows (rateLimitStatements). */
export function rateLimitResultFrom(rows: readonly CountRow[]): RateLimitResult {
  const row = rows[0]!;
  const count = Number(row.count);
  // A retry of an action already counted is the same request: allowed, not counted twice.
  if (row.counted) return { allowed: true, count };
  return row.added ? { allowed: true, count: count + 1 } : { allowed: false, count };
}
