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
  /** How many events this action is (a plan: one per step the limit applies to), counted all or none. */
  events: z.number().int().min(1).default(1),
});
export type RateLimitRequest = z.input<typeof RateLimitRequest>;

export interface RateLimitResult {
  allowed: boolean;
  /** Events in the window, counting this action's when it was allowed. */
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

type CountRow = { count: string; counted: boolean; added: string };

/**
 * consumeRateLimitIn's two statements in one message, values inlined: the
 * counter's lock, then purge, count and (if allowed) insert. Sent alone or in
 * another statement's message (admission sends them with BEGIN); the second
 * result is the count's (rateLimitResultFrom).
 */
export function rateLimitStatements(input: RateLimitRequest): string {
  const { key, actionId, limit, windowMs, at, events } = RateLimitRequest.parse(input);
  // Count-then-insert is only safe if one caller per key does it at a time. A statement of its own after the
  // lock: under READ COMMITTED its snapshot then sees every event the lock waited for.
  // One statement: purge, count and (if allowed) insert. All three CTEs see the same
  // snapshot, so the count may still include purged rows — they are older than the
  // window and filtered out anyway. An action of several events inserts them all or none: the first under its
  // own id (what `counted` finds on a retry), the others as `<id>#2`, `<id>#3`, ... ((key, action_id) is unique).
  const count = inlineParams(
    `WITH purged AS (DELETE FROM rate_events WHERE key = $1 AND at <= $4),
          seen AS (SELECT count(*) FILTER (WHERE at > $2) AS count, coalesce(bool_or(action_id = $3::text), false) AS counted
                     FROM rate_events WHERE key = $1),
          added AS (INSERT INTO rate_events (key, action_id, at)
                    SELECT $1, CASE WHEN n = 1 THEN $3::text ELSE $3::text || '#' || n END, $5
                      FROM seen, generate_series(1, $7::int) AS n WHERE NOT seen.counted AND seen.count + $7::int <= $6::int RETURNING 1)
     SELECT seen.count, seen.counted, (SELECT count(*) FROM added) AS added FROM seen`,
    [key, new Date(at.getTime() - windowMs), actionId, new Date(at.getTime() - 2 * windowMs), at, limit, events],
  );
  return `${lockNameStatement('rate', key)}; ${count}`;
}

/** The outcome from the count statement's rows (rateLimitStatements). */
export function rateLimitResultFrom(rows: readonly CountRow[]): RateLimitResult {
  const row = rows[0]!;
  const count = Number(row.count);
  // A retry of an action already counted is the same request: allowed, not counted twice.
  if (row.counted) return { allowed: true, count };
  const added = Number(row.added);
  return added > 0 ? { allowed: true, count: count + added } : { allowed: false, count };
}
