import type { Db } from '@airlock/db';

// A Slack message is *owed* while a post or update of it failed with a passing error and has not
// gone through since: its slack_messages row says since when, after how many attempts, when the
// next attempt is due and Slack's last error. The state lives on the row, not in the notifier's
// memory, so a notifier that died (or was down for hours) finds what it still owes at its start.

/** One message row: an action's round (0 for a notice) at a target. */
export interface MessageKey {
  actionId: string;
  round: number;
  target: string;
}

/** What a row owes after a failed attempt. */
export interface Owed {
  owedSince: Date;
  attempts: number;
}

/** The row fields that say a message owes nothing: written with the timestamp or hash of a send that went through. */
export const NOTHING_OWED = { owedSince: null, attempts: 0, retryAt: null, lastError: null } as const;

export interface Backoff {
  /** The wait after the first failed attempt; it doubles with each attempt… */
  firstDelayMs: number;
  /** …up to this many first delays. */
  maxFactor: number;
  /** A rate limit's Retry-After: no attempt before it. */
  retryAfterMs?: number | undefined;
}

/**
 * Records a failed attempt at a message (its first, or one more): the give-up clock starts at the
 * first, the next attempt waits `firstDelayMs · 2^(attempts-1)`, at most `maxFactor` first delays
 * and at least the Retry-After. Returns the row's owed state, or undefined when the row is gone.
 * Plain SQL: Prisma would touch updated_at, which tells a click whether a post is in flight.
 */
export async function markOwed(db: Db, key: MessageKey, error: string, now: Date, backoff: Backoff): Promise<Owed | undefined> {
  const { rows } = await db.pool.query<{ owed_since: Date; failed_attempts: number }>(
    `UPDATE slack_messages SET
       owed_since = coalesce(owed_since, $4::timestamptz),
       failed_attempts = failed_attempts + 1,
       last_error = $5,
       -- failed_attempts is the value before this attempt; least() keeps power() small.
       retry_at = $4::timestamptz + greatest($6::bigint * least(power(2, least(failed_attempts, 16))::bigint, $7::bigint), $8::bigint) * interval '1 millisecond'
     WHERE action_id = $1 AND round = $2 AND target = $3
     RETURNING owed_since, failed_attempts`,
    [key.actionId, key.round, key.target, now, error, backoff.firstDelayMs, backoff.maxFactor, backoff.retryAfterMs ?? 0],
  );
  const row = rows[0];
  return row && { owedSince: row.owed_since, attempts: row.failed_attempts };
}

const SETTLE_OWED = `UPDATE slack_messages SET owed_since = NULL, failed_attempts = 0, retry_at = NULL, last_error = NULL
  WHERE action_id = $1 AND round = $2 AND target = $3 AND owed_since IS NOT NULL`;

/** The message owes nothing any more (Slack took it, or the notifier gave up on it). */
export async function settleOwed(db: Db, key: MessageKey): Promise<void> {
  await db.pool.query(SETTLE_OWED, [key.actionId, key.round, key.target]);
}

/**
 * Settles the action's owed rows of one kind (notices, or approval messages) whose attempt was due
 * by `now` and that the attempt just made neither sent nor marked again (a failed attempt moves
 * retry_at past `now`, one that went through clears it): e.g. the action is gone. Returns them.
 */
export async function settleUntouched(db: Db, actionId: string, notices: boolean, now: Date): Promise<MessageKey[]> {
  const { rows } = await db.pool.query<{ round: number; target: string }>(
    `UPDATE slack_messages SET owed_since = NULL, failed_attempts = 0, retry_at = NULL, last_error = NULL
     WHERE action_id = $1 AND (kind = 'notice') = $2 AND retry_at <= $3
     RETURNING round, target`,
    [actionId, notices, now],
  );
  return rows.map((r) => ({ actionId, ...r }));
}

/** Actions with messages whose next attempt is due by `now`, the longest-waiting first; `notices`: the owed rows are notices. */
export async function dueOwed(db: Db, now: Date, limit: number): Promise<{ actionId: string; notices: boolean }[]> {
  const { rows } = await db.pool.query<{ action_id: string; notices: boolean }>(
    `SELECT action_id, kind = 'notice' AS notices FROM slack_messages WHERE retry_at <= $1
     GROUP BY action_id, kind = 'notice' ORDER BY min(retry_at) LIMIT $2`,
    [now, limit],
  );
  return rows.map((r) => ({ actionId: r.action_id, notices: r.notices }));
}

/** When the next owed message is due (ms since the epoch); undefined when nothing is owed. */
export async function nextOwedAt(db: Db): Promise<number | undefined> {
  const { rows } = await db.pool.query<{ at: Date | null }>('SELECT min(retry_at) AS at FROM slack_messages');
  return rows[0]?.at?.getTime();
}
