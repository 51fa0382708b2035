import { roleAtLeast, type Role } from './risk.js';
import type { ApprovalRequirement } from './action.js';

export interface Candidate {
  id: string;
  role: Role;
  groups: readonly string[];
}

/** Who stands behind the action: neither may approve it. */
export interface ActionParties {
  requestedBy?: string | null | undefined;
  ownerId?: string | null | undefined;
}

export type ApproverStanding = { kind: 'eligible' } | { kind: 'not_qualified' } | { kind: 'excluded'; reason: string };

/**
 * The one rule of who may approve an action: the required role (and group, if
 * any), widened by escalation targets (`<group>` or `role:<role>`), minus the
 * requester and the agent's owner. Approval rounds, standing approvals and the
 * decision use case (a right lost while a round waits) all use it.
 */
export function approverStanding(
  user: Candidate,
  requirement: Pick<ApprovalRequirement, 'approverRole' | 'approverGroup'>,
  parties: ActionParties,
  escalatedTo: readonly string[] = [],
): ApproverStanding {
  const base = roleAtLeast(user.role, requirement.approverRole) && (!requirement.approverGroup || user.groups.includes(requirement.approverGroup));
  const escalated = escalatedTo.some((t) => (t.startsWith('role:') ? roleAtLeast(user.role, t.slice(5) as Role) : roleAtLeast(user.role, 'approver') && user.groups.includes(t)));
  if (!base && !escalated) return { kind: 'not_qualified' };
  // User ids are lower case; the agent may write its requester's id in any case ("Alice"), still them.
  if (user.id === parties.requestedBy?.toLowerCase()) return { kind: 'excluded', reason: 'requested this action' };
  if (parties.ownerId && user.id === parties.ownerId) return { kind: 'excluded', reason: 'owns the agent that requested this action' };
  return { kind: 'eligible' };
}
