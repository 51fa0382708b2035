import type { Db } from '@airlock/db';

export interface PendingApproval {
  actionId: string;
  agentId: string;
  tool: string;
  riskTier: string | null;
  argsHash: string;
  rationale: string;
  round: number;
  approvalsSoFar: number;
  requiredApprovals: number;
  approverRole: string;
  deadline: Date | null;
  createdAt: Date;
}

/** Approvals waiting for a decision, nearest deadline first (a read: no audit row). */
export async function listPending(db: Db, limit = 50): Promise<PendingApproval[]> {
  const rows = await db.prisma.approval.findMany({
    where: { status: 'open' },
    include: { action: { select: { agentId: true, tool: true, riskTier: true, rationale: true } }, _count: { select: { decisions: { where: { decision: 'approve' } } } } },
    orderBy: [{ deadline: { sort: 'asc', nulls: 'last' } }, { createdAt: 'asc' }],
    take: limit,
  });
  return rows.map((a) => ({
    actionId: a.actionId,
    agentId: a.action.agentId,
    tool: a.action.tool,
    riskTier: a.action.riskTier,
    argsHash: a.argsHash,
    rationale: a.action.rationale,
    round: a.round,
    approvalsSoFar: a._count.decisions,
    requiredApprovals: a.requiredApprovals,
    approverRole: a.approverRole,
    deadline: a.deadline,
    createdAt: a.createdAt,
  }));
}
