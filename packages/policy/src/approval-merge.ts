import type { ApprovalRequirement } from '@airlock/core/action';

const timeoutRank: Record<ApprovalRequirement['timeoutOutcome'], number> = { approve: 0, escalate: 1, wait_forever: 2, deny: 3 };
const roleRank: Record<ApprovalRequirement['approverRole'], number> = { viewer: 0, approver: 1, admin: 2 };

/**
 * `base` (the winning rule's, or the strictest plan step's, approval) held to every other requirement
 * that applies to the same request: the highest quorum and role, one deny ending it if any says so, the
 * most restrictive timeout outcome (approve < escalate < wait_forever < deny), and a group where any
 * names one. Taking the winner's block whole let a rule's (or step's) "any approver, approved when
 * nobody decides" stand for another's "admins only, denied": the order of the rules decided who may
 * approve. Deadline and escalation chain stay the base's, unless the timeout outcome becomes another's
 * `escalate`, which brings its chain. Two different groups cannot both hold: the base's is kept.
 */
export function strictestApproval(base: ApprovalRequirement, others: readonly ApprovalRequirement[]): ApprovalRequirement {
  const merged = { ...base };
  for (const other of others) {
    merged.requiredApprovals = Math.max(merged.requiredApprovals, other.requiredApprovals);
    if (roleRank[other.approverRole] > roleRank[merged.approverRole]) merged.approverRole = other.approverRole;
    merged.denyEndsIt = merged.denyEndsIt || other.denyEndsIt;
    if (timeoutRank[other.timeoutOutcome] > timeoutRank[merged.timeoutOutcome]) {
      merged.timeoutOutcome = other.timeoutOutcome;
      if (other.timeoutOutcome === 'escalate') merged.escalation = other.escalation;
    }
    if (merged.approverGroup === undefined && other.approverGroup !== undefined) merged.approverGroup = other.approverGroup;
  }
  return merged;
}
