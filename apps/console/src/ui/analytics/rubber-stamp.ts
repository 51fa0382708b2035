import type { Db } from '@airlock/db';
import { analyticsQuery } from './sql.js';
import type { AnalyticsRange } from './window.js';

/**
 * An approval counts as "fast" when it came within this many seconds of the
 * round opening. Ten seconds is about what it takes to read a tool name, a
 * one-line rationale and a few arguments; anything quicker is a reflex, not a review.
 */
export const RUBBER_STAMP_FAST_SECONDS = 10;

/**
 * Flag an approver after this many fast approvals in a row (no deny and no
 * slower approval between them). One quick approval of an obvious request is
 * fine; five in a row is a pattern of approving without looking.
 */
export const RUBBER_STAMP_MIN_STREAK = 5;

/** How many approvers the panel lists (flagged first, then the longest runs); the totals still count everyone. */
export const RUBBER_STAMP_LIST_LIMIT = 15;

export interface ApproverPattern {
  userId: string;
  name: string;
  decisions: number;
  approvals: number;
  fastApprovals: number;
  /** Median seconds from the round opening to this person's decision. */
  medianSeconds: number | null;
  /** The most fast approvals this person made in a row within the window. */
  longestStreak: number;
  /** Streaks of at least RUBBER_STAMP_MIN_STREAK fast approvals. */
  flaggedStreaks: number;
  lastFlaggedAt: Date | null;
  flagged: boolean;
}

export interface ApproverPatterns {
  /** The first RUBBER_STAMP_LIST_LIMIT approvers: flagged first, then by longest fast run. */
  listed: ApproverPattern[];
  /** Everyone who decided in the window, and how many of them are flagged. */
  approvers: number;
  flagged: number;
}

interface Row {
  user_id: string;
  name: string;
  decisions: number;
  approvals: number;
  fast_approvals: number;
  median_seconds: number | null;
  longest_streak: number;
  flagged_streaks: number;
  last_flagged_at: Date | null;
  approvers_total: number;
  flagged_total: number;
}

/**
 * Runs of fast approvals, per approver in time order: every decision that is
 * not fast starts a new run, so a running count of those numbers the runs and
 * grouping by it yields each run's length (one window sort per query).
 * Decisions are read through the decided_at index; a run that began before the
 * window is counted from the window's start.
 */
const SQL = `
  WITH decided AS (
    SELECT d.id, d.user_id, d.decided_at, d.decision,
           extract(epoch FROM d.decided_at - p.created_at)::float8 AS seconds,
           (d.decision = 'approve' AND d.decided_at - p.created_at <= make_interval(secs => $3)) AS fast
      FROM approval_decisions d
      JOIN approvals p ON p.id = d.approval_id
     WHERE d.decided_at >= $1 AND d.decided_at < $2
  ),
  numbered AS (
    SELECT user_id, decided_at, fast,
           count(*) FILTER (WHERE NOT fast) OVER (PARTITION BY user_id ORDER BY decided_at, id) AS run
      FROM decided
  ),
  streaks AS (
    SELECT user_id, count(*)::int AS length, max(decided_at) AS ended
      FROM numbered WHERE fast
     GROUP BY user_id, run
  ),
  per_streaker AS (
    SELECT user_id, max(length)::int AS longest_streak,
           count(*) FILTER (WHERE length >= $4)::int AS flagged_streaks,
           max(ended) FILTER (WHERE length >= $4) AS last_flagged_at
      FROM streaks GROUP BY user_id
  ),
  per_user AS (
    SELECT user_id, count(*)::int AS decisions,
           count(*) FILTER (WHERE decision = 'approve')::int AS approvals,
           count(*) FILTER (WHERE fast)::int AS fast_approvals,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)::float8 AS median_seconds
      FROM decided GROUP BY user_id
  )
  SELECT u.user_id, coalesce(users.name, u.user_id) AS name, u.decisions, u.approvals, u.fast_approvals, u.median_seconds,
         coalesce(s.longest_streak, 0) AS longest_streak, coalesce(s.flagged_streaks, 0) AS flagged_streaks, s.last_flagged_at,
         count(*) OVER ()::int AS approvers_total,
         count(*) FILTER (WHERE s.flagged_streaks > 0) OVER ()::int AS flagged_total
    FROM per_user u
    LEFT JOIN per_streaker s USING (user_id)
    LEFT JOIN users ON users.id = u.user_id
   ORDER BY coalesce(s.flagged_streaks, 0) DESC, coalesce(s.longest_streak, 0) DESC, u.decisions DESC, u.user_id
   LIMIT $5`;

export async function approverPatterns(db: Db, range: AnalyticsRange): Promise<ApproverPatterns> {
  const rows = await analyticsQuery<Row>(db, SQL, [range.from, range.to, RUBBER_STAMP_FAST_SECONDS, RUBBER_STAMP_MIN_STREAK, RUBBER_STAMP_LIST_LIMIT]);
  const listed = rows.map((r) => ({
    userId: r.user_id,
    name: r.name,
    decisions: r.decisions,
    approvals: r.approvals,
    fastApprovals: r.fast_approvals,
    medianSeconds: r.median_seconds,
    longestStreak: r.longest_streak,
    flaggedStreaks: r.flagged_streaks,
    lastFlaggedAt: r.last_flagged_at,
    flagged: r.flagged_streaks > 0,
  }));
  return { listed, approvers: rows[0]?.approvers_total ?? 0, flagged: rows[0]?.flagged_total ?? 0 };
}
