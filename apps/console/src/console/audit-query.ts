import type { Db, Prisma } from '@airlock/db';
import { z } from 'zod';

const text = z.preprocess((v) => (v === '' ? undefined : v), z.string().max(200).optional()).catch(undefined);
// datetime-local inputs carry no zone: the page labels them UTC, so they are read as UTC.
const time = z
  .preprocess((v) => (v === '' ? undefined : typeof v === 'string' && /T\d\d:\d\d(:\d\d)?$/.test(v) ? `${v}Z` : v), z.coerce.date().optional())
  .catch(undefined);
const seq = z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{1,19}$/).optional()).catch(undefined);

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
 * Filters as a Prisma where clause. Paging is a keyset on seq (the primary key),
 * so a page costs the same at row 10 and at row 1,000,000; with an action filter
 * the (action_id, seq) index serves it.
 */
function auditWhere(filters: AuditFilters): Prisma.AuditEventWhereInput {
  return {
    ...(filters.before ? { seq: { lt: BigInt(filters.before) } } : {}),
    ...(filters.action ? { actionId: filters.action } : {}),
    ...(filters.actor ? { actor: filters.actor } : {}),
    ...(filters.type ? { type: filters.type } : {}),
    ...(filters.from || filters.to ? { createdAt: { ...(filters.from ? { gte: filters.from } : {}), ...(filters.to ? { lte: filters.to } : {}) } } : {}),
  };
}

/**
 * Audit rows carry the action, not the agent: an agent's rows are its actions' rows
 * (resolved to ids in one indexed read) and the rows it is the actor of.
 */
export async function resolvedAuditWhere(db: Db, filters: AuditFilters): Promise<Prisma.AuditEventWhereInput> {
  const where = auditWhere(filters);
  if (!filters.agent) return where;
  const actions = await db.prisma.action.findMany({ where: { agentId: filters.agent }, select: { id: true }, take: 10_000 });
  return { ...where, OR: [{ actor: `agent:${filters.agent}` }, { actionId: { in: actions.map((a) => a.id) } }] };
}

/** One page, newest first, and the cursor of the next (older) page. */
export async function auditPage(db: Db, filters: AuditFilters) {
  const rows = await db.prisma.auditEvent.findMany({ where: await resolvedAuditWhere(db, filters), orderBy: { seq: 'desc' }, take: AUDIT_PAGE_SIZE + 1 });
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
