import type { ApprovalRequirement, EscalationStep } from '@airlock/core/action';
import type { Role } from '@airlock/core/risk';

const timeoutRank: Record<ApprovalRequirement['timeoutOutcome'], number> = { approve: 0, escalate: 1, wait_forever: 2, deny: 3 };
const roleRank: Record<Role, number> = { viewer: 0, approver: 1, admin: 2 };

/** Admins join a round whose timeout outcome is `escalate` at its deadline (the workflow's ADMINS). */
const ADMINS = 'role:admin';

/**
 * `base` (the winning rule's, or the strictest plan step's, approval) held to every other requirement
 * that applies to the same request: the highest quorum and role, one deny ending it if any says so, the
 * most restrictive timeout outcome (approve < escalate < wait_forever < deny), and a group where any
 * names one. Taking the winner's block whole let a rule's (or step's) "any approver, approved when
 * nobody decides" stand for another's "admins only, denied": the order of the rules decided who may
 * approve. Two different groups cannot both hold: the base's is kept.
 *
 * Escalation and deadline never let in anyone, or at any time, that one of the requirements would not:
 * an escalation step (from any of them, earliest first) is kept only if everyone it adds could already
 * decide under every requirement by then (`escalationsAdmittedByAll`). A deadline that denies is the
 * earliest such deadline (past it, that requirement was denied); one that approves or calls in admins
 * is the latest of all (before it, some requirement had not yet). The winner's chain stood whole: rule
 * `notes` (escalating to `support` after 5 minutes) beside `refunds` (finance admins) let a support
 * approver approve a refund after 5 minutes.
 */
export function strictestApproval(base: ApprovalRequirement, others: readonly ApprovalRequirement[]): ApprovalRequirement {
  if (others.length === 0) return base;
  const all = [base, ...others];
  const merged = { ...base };
  for (const other of others) {
    merged.requiredApprovals = Math.max(merged.requiredApprovals, other.requiredApprovals);
    if (roleRank[other.approverRole] > roleRank[merged.approverRole]) merged.approverRole = other.approverRole;
    merged.denyEndsIt = merged.denyEndsIt || other.denyEndsIt;
    if (timeoutRank[other.timeoutOutcome] > timeoutRank[merged.timeoutOutcome]) merged.timeoutOutcome = other.timeoutOutcome;
    if (merged.approverGroup === undefined && other.approverGroup !== undefined) merged.approverGroup = other.approverGroup;
  }
  merged.timeoutMs = mergedDeadline(merged.timeoutOutcome, base, all);
  merged.escalation = escalationsAdmittedByAll(all);
  return merged;
}

function mergedDeadline(outcome: ApprovalRequirement['timeoutOutcome'], base: ApprovalRequirement, all: readonly ApprovalRequirement[]): number {
  switch (outcome) {
    case 'deny':
      return Math.min(...all.filter((r) => r.timeoutOutcome === 'deny').map((r) => r.timeoutMs));
    case 'approve':
    case 'escalate':
      // Every requirement approves or calls in admins at its own deadline: at the latest, all of them have.
      return Math.max(...all.map((r) => r.timeoutMs));
    case 'wait_forever':
      return base.timeoutMs;
  }
}

/** Who an approver set or escalation target admits: everyone of at least `role`, in `group` when there is one. */
interface Audience {
  role: Role | undefined;
  group?: string | undefined;
}

/** `<group>` admits that group's approvers (and admins), `role:<role>` everyone of that role or higher (approverStanding). */
function targetAudience(to: string): Audience {
  if (!to.startsWith('role:')) return { role: 'approver', group: to };
  const role = to.slice('role:'.length);
  return { role: role in roleRank ? (role as Role) : undefined };
}

/** Whether everyone `inner` admits, `outer` admits too. An unknown role admits no one, and is not trusted to fit. */
function within(inner: Audience, outer: Audience): boolean {
  if (inner.role === undefined || outer.role === undefined) return false;
  return roleRank[inner.role] >= roleRank[outer.role] && (outer.group === undefined || outer.group === inner.group);
}

/** Who `requirement` lets decide `atMs` after its round opened: its approvers, its escalations so far, and what its deadline brings. */
function admittedAt(requirement: ApprovalRequirement, atMs: number): Audience[] | 'everyone' | 'no one' {
  const reached = requirement.escalation.filter((step) => step.afterMs <= atMs && step.afterMs < requirement.timeoutMs);
  const audiences = [{ role: requirement.approverRole, group: requirement.approverGroup }, ...reached.map((step) => targetAudience(step.to))];
  if (atMs < requirement.timeoutMs) return audiences;
  switch (requirement.timeoutOutcome) {
    case 'approve':
      return 'everyone';
    case 'deny':
      return 'no one';
    case 'escalate':
      return [...audiences, targetAudience(ADMINS)];
    case 'wait_forever':
      return audiences;
  }
}

function admitsAll(requirement: ApprovalRequirement, step: EscalationStep): boolean {
  const admitted = admittedAt(requirement, step.afterMs);
  if (admitted === 'everyone') return true;
  if (admitted === 'no one') return false;
  const added = targetAudience(step.to);
  return admitted.some((audience) => within(added, audience));
}

/** Every requirement's escalation steps, earliest first, that widen no requirement's approvers; each target once. */
function escalationsAdmittedByAll(all: readonly ApprovalRequirement[]): EscalationStep[] {
  const steps = all.flatMap((r) => r.escalation).sort((a, b) => a.afterMs - b.afterMs);
  const kept: EscalationStep[] = [];
  for (const step of steps) {
    if (kept.some((k) => k.to === step.to)) continue;
    if (all.every((requirement) => admitsAll(requirement, step))) kept.push({ afterMs: step.afterMs, to: step.to });
  }
  return kept;
}
