import type { Db } from '@airlock/db';
import { analyticsQuery, fillBuckets, rangeParams } from './sql.js';
import type { AnalyticsRange } from './window.js';

/** Every status an action can be in, finished first: the stack order of the outcomes chart. */
export const REQUEST_STATUSES = ['executed', 'denied', 'expired', 'failed', 'cancelled', 'awaiting_approval', 'running', 'requested'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface RequestCounts {
  total: number;
  byStatus: Record<RequestStatus, number>;
  /** Ran (or is running) without any approval round: the policy allowed it, or a standing approval covered it. */
  autoApproved: number;
  /** Carried at least one guardrail flag (suspected prompt injection, PII or a secret in the arguments). */
  guardrailFlagged: number;
}

export interface RequestBucket {
  start: Date;
  counts: RequestCounts;
}

interface Row {
  bucket: Date;
  total: number;
  auto_approved: number;
  guardrail_flagged: number;
  [status: string]: number | Date;
}

const statusColumns = REQUEST_STATUSES.map((s) => `count(*) FILTER (WHERE a.status = '${s}')::int AS "${s}"`).join(',\n         ');

/**
 * Requests by the bucket they were made in: one pass over the window's actions
 * (the created_at index bounds it). Joining round 1 (at most one row per
 * action) tells which ran without any round; PostgreSQL probes the
 * (action_id, round) index for a short window and hashes for a long one,
 * where NOT EXISTS always hashed every approval ever opened.
 */
const SQL = `
  SELECT date_bin($3::interval, a.created_at, $1) AS bucket,
         count(*)::int AS total,
         ${statusColumns},
         count(*) FILTER (WHERE a.status IN ('running', 'executed', 'failed') AND p.action_id IS NULL)::int AS auto_approved,
         count(*) FILTER (WHERE a.guardrail_flags <> '[]'::jsonb)::int AS guardrail_flagged
    FROM actions a
    LEFT JOIN approvals p ON p.action_id = a.id AND p.round = 1
   WHERE a.created_at >= $1 AND a.created_at < $2
   GROUP BY 1`;

const emptyCounts = (): RequestCounts => ({
  total: 0,
  byStatus: Object.fromEntries(REQUEST_STATUSES.map((s) => [s, 0])) as Record<RequestStatus, number>,
  autoApproved: 0,
  guardrailFlagged: 0,
});

function toCounts(row: Row): RequestCounts {
  return {
    total: row.total,
    byStatus: Object.fromEntries(REQUEST_STATUSES.map((s) => [s, Number(row[s])])) as Record<RequestStatus, number>,
    autoApproved: row.auto_approved,
    guardrailFlagged: row.guardrail_flagged,
  };
}

export async function requestBuckets(db: Db, range: AnalyticsRange): Promise<RequestBucket[]> {
  const rows = await analyticsQuery<Row>(db, SQL, rangeParams(range));
  return fillBuckets(range, rows, toCounts, emptyCounts).map(({ start, value }) => ({ start, counts: value }));
}

/** The window's totals, summed from the buckets (a handful of numbers, not rows). */
export function totalCounts(buckets: RequestBucket[]): RequestCounts {
  const sum = emptyCounts();
  for (const { counts } of buckets) {
    sum.total += counts.total;
    sum.autoApproved += counts.autoApproved;
    sum.guardrailFlagged += counts.guardrailFlagged;
    for (const s of REQUEST_STATUSES) sum.byStatus[s] += counts.byStatus[s];
  }
  return sum;
}

/** A share in [0, 1], or null when there is nothing to divide (an empty bucket has no rate, not a rate of 0). */
export const rate = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
