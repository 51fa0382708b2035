import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readQuery } from '../request.js';
import { AuditQuery } from '../schemas.js';
import { toAuditEventView } from '../views.js';

/** GET /api/v1/audit?actionId=&after=&limit=: the audit chain in seq order, one page at a time. */
export const getAudit = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  await callerOf(request, ctx.db, 'list-audit#getAudit');
  const { actionId, after, limit } = readQuery(request, AuditQuery);
  // One row more than asked tells whether another page exists, without a count.
  const rows = await ctx.db.prisma.auditEvent.findMany({
    where: { seq: { gt: BigInt(after) }, ...(actionId ? { actionId } : {}) },
    orderBy: { seq: 'asc' },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? (page.at(-1)?.seq.toString() ?? null) : null;
  return jsonResponse({ events: page.map(toAuditEventView), nextCursor });
});
