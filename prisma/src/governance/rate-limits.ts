import { z } from 'zod';
import type { Db } from '../client.js';
import { Target } from './scope.js';
import { inTransaction, lockName } from './transaction.js';

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
  const { key, actionId, limit, windowMs, at } = RateLimitRequest.parse(input);
  const windowStart = new Date(at.getTime() - windowMs);
  return inTransaction(db, async (client) => {
    // Count-then-insert is only safe if one caller per key does it at a time.
    await lockName(client, 'rate', key);
    await client.query('DELETE FROM rate_events WHERE key = $1 AND at <= $2', [key, new Date(at.getTime() - 2 * windowMs)]);
    const { rows } = await client.query<{ count: string; counted: boolean }>(
      `SELECT count(*) FILTER (WHERE at > $2) AS count, bool_or(action_id = $3) AS counted
         FROM rate_events WHERE key = $1`,
      [key, windowStart, actionId],
    );
    const count = Number(rows[0]?.count ?? 0);
    // A retry of an action already counted is the same request: allowed, not counted twice.
    if (rows[0]?.counted) return { allowed: true, count };
    if (count >= limit) return { allowed: false, count };
    await client.query('INSERT INTO rate_events (key, action_id, at) VALUES ($1, $2, $3)', [key, actionId, at]);
    return { allowed: true, count: count + 1 };
  });
}
