import type { ApprovalDecision, ApprovalRequirement, EligibleApprover, RecordedDecision } from '@airlock/core';

export type ApprovalTally = 'open' | 'approved' | 'denied';

/**
 * Where a round stands. With `denyEndsIt` one deny closes it; otherwise it is
 * denied only once the approvals still possible cannot reach the quorum.
 */
export function tallyDecisions(decisions: readonly RecordedDecision[], requirement: ApprovalRequirement, eligibleCount: number): ApprovalTally {
  const approvals = decisions.filter((d) => d.decision === 'approve').length;
  const denials = decisions.length - approvals;
  if (denials > 0 && requirement.denyEndsIt) return 'denied';
  if (approvals >= requirement.requiredApprovals) return 'approved';
  if (!requirement.denyEndsIt && denials > 0 && approvals + Math.max(0, eligibleCount - decisions.length) < requirement.requiredApprovals) {
    return 'denied';
  }
  return 'open';
}

/** A refusal because the round takes no more decisions from this person: decided, closed, or already decided by them. */
export class RoundClosedError extends Error {
  override name = 'RoundClosedError';
}

export interface RoundSnapshot {
  accepting: boolean;
  editInProgress: boolean;
  argsHash: string;
  eligible: readonly EligibleApprover[];
  excluded: readonly { id: string; reason: string }[];
  decisions: readonly RecordedDecision[];
}

/** The reasons workers recorded before they were worded to end a sentence, as they read now: old histories still hold them. */
const RECORDED_EXCLUSION_REASONS: Readonly<Record<string, string>> = {
  'requested this action: nobody approves their own request': 'requested this action',
  "owns the requesting agent: nobody approves their own agent's request": 'owns the agent that requested this action',
};

/** One sentence: "carol requested this action, so someone else must approve it". */
export function exclusionRefusal(approverId: string, reason: string): string {
  return `${approverId} ${RECORDED_EXCLUSION_REASONS[reason] ?? reason}, so someone else must approve it`;
}

/**
 * The `decide` validator: runs before a decision enters history, so a rejection
 * reaches the caller at once and leaves no trace.
 */
export function validateDecision(decision: ApprovalDecision, round: RoundSnapshot): void {
  if (!round.accepting) throw new RoundClosedError('the approval is already decided or closed');
  if (round.editInProgress) throw new Error('an edit of the arguments is being reviewed; decide again in a moment');
  const excluded = round.excluded.find((e) => e.id === decision.approverId);
  if (excluded) throw new Error(exclusionRefusal(decision.approverId, excluded.reason));
  if (!round.eligible.some((a) => a.id === decision.approverId)) {
    // Who may decide is fixed when the round opens, so a person made an approver later is not here either: say so.
    throw new Error(`"${decision.approverId}" is not an approver of this round: its approvers were fixed when it opened; a person made an approver since decides later rounds`);
  }
  if (round.decisions.some((d) => d.approverId === decision.approverId)) {
    throw new RoundClosedError(`${decision.approverId} has already decided this approval`);
  }
  if (decision.argsHash !== round.argsHash) {
    throw new Error('the decision was made on different arguments than the action has (args hash mismatch)');
  }
  if (decision.editedArgs && decision.decision !== 'approve') throw new Error('only an approval can edit the arguments');
  if (decision.standingApproval && (decision.decision !== 'approve' || decision.editedArgs)) throw new Error('only a plain approval (no edits) can be remembered');
}
