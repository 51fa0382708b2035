import type { Db } from '@airlock/db';
import type { ApprovalSummary } from './schemas.js';
import { toApprovalSummary } from './views.js';

/** Approvals in one status, the nearest deadline first: what the API lists and the console shows. */
export async function listApprovals(db: Db, query: { status: ApprovalSummary['status']; limit: number }): Promise<ApprovalSummary[]> {
  const rows = await db.prisma.approval.findMany({
    where: { status: query.status },
    orderBy: [{ deadline: 'asc' }, { id: 'asc' }],
    take: query.limit,
    include: { action: true, decisions: { orderBy: { decidedAt: 'asc' } } },
  });
  return rows.map(toApprovalSummary);
}
