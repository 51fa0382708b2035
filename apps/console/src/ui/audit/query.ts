import type { Db } from '@airlock/db';
import { z } from 'zod';
import { auditConditions, queryAuditEvents } from './conditions.js';

// A value the database cannot hold is dropped like any other bad value, never sent to PostgreSQL to fail
// the page (or break an export already answered 200): text with a NUL byte (no PostgreSQL text holds one),
// a time outside years 1-9999 (what a datetime-local input shows; node-postgres writes older dates in local
// time with the zone's seconds cut off, which PostgreSQL can refuse), a seq past bigint.
const text = z.preprocess((v) => (v === '' ? undefined : v), z.string().max(200).refine(holdsNoNul).optional()).catch(undefined);
const EARLIEST = new Date('0001-01-01T00:00:00.000Z');
const LATEST = new Date('9999-12-31T23:59:59.999Z');
// datetime-local inputs carry no zone: the page labels them UTC, so they are read as UTC.
const time = z
  .preprocess((v) => (v === '' ? undefined : typeof v === 'string' && /T\d\d:\d\d(:\d\d)?$/.test(v) ? `${v}Z` : v), z.coerce.date().min(EARLIEST).max(LATEST).optional())
  .catch(undefined);
const seq = z.preprocess((v) => (v === '' ? undefined : v), z.string().refine(isSeq).optional()).catch(undefined);

function holdsNoNul(value: string): boolean {
  return !value.includes('\0');
}

const BIGINT_MAX = 2n ** 63n - 1n;

/** Digits naming a row's seq: what PostgreSQL's bigint holds. */
function isSeq(value: string): boolean {
  return /^\d{1,19}$/.test(value) && BigInt(value) <= BIGINT_MAX;
}

/** The audit page's and the exports' URL search params. `before` is the keyset cursor (newest first). */
export const AuditFilters = z.object({
  action: text,
  agent: text,
  actor: text,
  type: text,
  from: time,
  to: time,
  before: seq,
});
export type AuditFilters = z.infer<typeof AuditFilters>;

export const AUDIT_PAGE_SIZE = 50;

/**
 * PostgreSQL's estimate of how many audit rows a WHERE clause matches (from its
 * statistics, no rows read): a count estimate where a count would cost the scan.
 */
async function estimatedRows(db: Db, where: string, params: unknown[]): Promise<number> {
  const { rows } = await db.pool.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(`EXPLAIN (FORMAT JSON) SELECT 1 FROM audit_events ${where}`, params);
  return rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0;
}

/**
 * Whether to read a time-filtered page from the time range rather than from
 * the newest row down. Paging newest first walks the primary key down from the
 * top, skipping every row newer than `to`: for a day a week back that is a
 * quarter of a million rows, which the planner cannot foresee (it assumes
 * matches are spread evenly, while seq and time rise together). Reading the
 * range instead costs the rows in it. Whichever PostgreSQL estimates smaller wins.
 */
async function readRangeFirst(db: Db, from: Date | undefined, to: Date | undefined): Promise<boolean> {
  if (!to) return false;
  const range = auditConditions({ from, to });
  return (await estimatedRows(db, 'WHERE created_at > $1', [to])) > (await estimatedRows(db, range.where, range.params));
}

/** One page, newest first, and the cursor of the next (older) page. Keyset on seq: row 1,000,000 costs what row 10 does. */
export async function auditPage(db: Db, filters: AuditFilters) {
  const { before, ...rest } = filters;
  const { where, params, timed } = auditConditions(rest, { before });
  const limit = AUDIT_PAGE_SIZE + 1;
  // From the range: its matching seqs (the created_at index), the newest of them, then those rows.
  const sql =
    timed && (await readRangeFirst(db, filters.from, filters.to))
      ? `WITH matching AS MATERIALIZED (SELECT seq FROM audit_events ${where})
         SELECT {columns} FROM audit_events WHERE seq IN (SELECT seq FROM matching ORDER BY seq DESC LIMIT ${limit}) ORDER BY seq DESC`
      : `SELECT {columns} FROM audit_events ${where} ORDER BY seq DESC LIMIT ${limit}`;
  const rows = await queryAuditEvents(db, sql, params);
  const events = rows.slice(0, AUDIT_PAGE_SIZE);
  return { events, olderCursor: rows.length > AUDIT_PAGE_SIZE ? (events.at(-1)?.seq.toString() ?? null) : null };
}

/** The filters as a query string, for links (pagination, exports) that keep the view. */
export function auditSearch(filters: AuditFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...extra })) {
    if (value === undefined || value === '') continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  const query = params.toString();
  return query ? `?${query}` : '';
}
