import { roleAtLeast, type ApprovalRequirement, type EligibleApprover, type Role } from '@airlock/core';
import type { Db } from '@airlock/db';

export interface ApproverSet {
  eligibleApprovers: EligibleApprover[];
  /** People who would qualify but may not decide, and why (separation of duties). */
  excluded: { id: string; reason: string }[];
}

/**
 * Who may decide: the required role (and group, if any), widened by escalation
 * targets (`<group>` or `role:<role>`), minus the requester and the agent's owner.
 */
export async function resolveApprovers(
  db: Db,
  input: { requirement: ApprovalRequirement; agentId: string; requestedBy?: string | undefined; escalatedTo?: readonly string[] },
): Promise<ApproverSet> {
  const { requirement } = input;
  const agent = await db.prisma.agent.findUnique({ where: { id: input.agentId }, select: { ownerId: true } });
  const users = await db.prisma.user.findMany({ select: { id: true, role: true, groups: true }, orderBy: { id: 'asc' } });
  const targets = input.escalatedTo ?? [];
  const qualifies = (user: { role: Role; groups: string[] }) => {
    const base = roleAtLeast(user.role, requirement.approverRole) && (!requirement.approverGroup || user.groups.includes(requirement.approverGroup));
    const escalated = targets.some((t) =>
      t.startsWith('role:') ? roleAtLeast(user.role, t.slice(5) as Role) : roleAtLeast(user.role, 'approver') && user.groups.includes(t),
    );
    return base || escalated;
  };
  const result: ApproverSet = { eligibleApprovers: [], excluded: [] };
  for (const user of users) {
    if (!qualifies(user)) continue;
    if (user.id === input.requestedBy) result.excluded.push({ id: user.id, reason: 'requested this action: nobody approves their own request' });
    else if (user.id === agent?.ownerId) result.excluded.push({ id: user.id, reason: "owns the requesting agent: nobody approves their own agent's request" });
    else result.eligibleApprovers.push({ id: user.id, role: user.role });
  }
  return result;
}
