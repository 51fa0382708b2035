import { roleAtLeast, type ApprovalRequirement, type EligibleApprover, type Role } from '@airlock/core';
import type { Db } from '@airlock/db';
import type pg from 'pg';

export interface ApproverSet {
  eligibleApprovers: EligibleApprover[];
  /** People who would qualify but may not decide, and why (separation of duties): a phrase that follows their id ("requested this action"). */
  excluded: { id: string; reason: string }[];
}

export interface Candidate {
  id: string;
  role: Role;
  groups: readonly string[];
}

/** Who stands behind the action: neither may approve it. */
export interface ActionParties {
  requestedBy?: string | undefined;
  ownerId?: string | null | undefined;
}

export type ApproverStanding = { kind: 'eligible' } | { kind: 'not_qualified' } | { kind: 'excluded'; reason: string };

/**
 * The one rule of who may approve an action: the required role (and group, if
 * any), widened by escalation targets (`<group>` or `role:<role>`), minus the
 * requester and the agent's owner. Approval rounds and standing approvals both use it.
 */
export function approverStanding(user: Candidate, requirement: ApprovalRequirement, parties: ActionParties, escalatedTo: readonly string[] = []): ApproverStanding {
  const base = roleAtLeast(user.role, requirement.approverRole) && (!requirement.approverGroup || user.groups.includes(requirement.approverGroup));
  const escalated = escalatedTo.some((t) => (t.startsWith('role:') ? roleAtLeast(user.role, t.slice(5) as Role) : roleAtLeast(user.role, 'approver') && user.groups.includes(t)));
  if (!base && !escalated) return { kind: 'not_qualified' };
  if (user.id === parties.requestedBy) return { kind: 'excluded', reason: 'requested this action' };
  if (parties.ownerId && user.id === parties.ownerId) return { kind: 'excluded', reason: 'owns the agent that requested this action' };
  return { kind: 'eligible' };
}

/** Who may decide a round, and who qualifies but is excluded, given the people and the action. */
export interface ApproverQuery {
  requirement: ApprovalRequirement;
  agentId: string;
  requestedBy?: string | undefined;
  escalatedTo?: readonly string[];
}

/** Everyone who may decide a round, and who qualifies but is excluded. */
export async function resolveApprovers(db: Db, input: ApproverQuery): Promise<ApproverSet> {
  const agent = await db.prisma.agent.findUnique({ where: { id: input.agentId }, select: { ownerId: true } });
  const users = await db.prisma.user.findMany({ select: { id: true, role: true, groups: true }, orderBy: { id: 'asc' } });
  return approverSet(users, input, agent?.ownerId);
}

/** The same, inside a transaction that already knows the agent's owner (admission: one plain statement). */
export async function resolveApproversIn(client: Pick<pg.PoolClient, 'query'>, input: ApproverQuery, ownerId: string | null | undefined): Promise<ApproverSet> {
  const { rows } = await client.query<Candidate>('SELECT id, role, groups FROM users ORDER BY id');
  return approverSet(rows, input, ownerId);
}

function approverSet(users: readonly Candidate[], input: ApproverQuery, ownerId: string | null | undefined): ApproverSet {
  const parties = { requestedBy: input.requestedBy, ownerId };
  const result: ApproverSet = { eligibleApprovers: [], excluded: [] };
  for (const user of users) {
    const standing = approverStanding(user, input.requirement, parties, input.escalatedTo);
    if (standing.kind === 'excluded') result.excluded.push({ id: user.id, reason: standing.reason });
    else if (standing.kind === 'eligible') result.eligibleApprovers.push({ id: user.id, role: user.role });
  }
  return result;
}
