import { ApplicationFailure, CancellationScope, condition, patched, setHandler } from '@temporalio/workflow';
import type { ActionOutcome, ActionStatusView, ApprovalDecision, ApprovalRequirement, BudgetImpactView, Classification, DecideResult, EligibleApprover, GuardedActionInput, RecordedDecision } from '@airlock/core';
import { decideUpdate } from '@airlock/core/workflow';
import type { Activities } from '@airlock/activities';
import { bookkeeping, recorder } from './activities.js';
import { tallyDecisions, validateDecision, type ApprovalTally } from './decision-rules.js';

/** The arguments the tool will run with: the agent's, or an approver's edit of them. */
export interface EffectiveArgs {
  args: Record<string, unknown>;
  argsHash: string;
  /** Who holds the budget reservation (a new holder after an edit re-reserves). */
  budgetHolder: string;
  budgetReserved: boolean;
}

export type Verdict = { kind: 'approved'; effective: EffectiveArgs } | { kind: 'closed'; outcome: ActionOutcome };

interface PendingEdit {
  effective: EffectiveArgs;
  classification: Classification;
  budgetImpacts: BudgetImpactView[];
  editor: RecordedDecision;
}

interface Round {
  number: number;
  approvalId: string;
  requirement: ApprovalRequirement;
  argsHash: string;
  eligible: EligibleApprover[];
  excluded: { id: string; reason: string }[];
  decisions: RecordedDecision[];
  tally: ApprovalTally;
  accepting: boolean;
  editInProgress: boolean;
  pendingEdit?: PendingEdit;
}

const ADMINS = 'role:admin';

/**
 * Decisions (and edit reviews) are written by a normal activity after Temporal
 * accepted the update, not by a local activity inside the update's workflow task.
 * Histories from before keep replaying the local-activity path.
 */
export const DECISION_AFTER_ACCEPT_PATCH = 'decision-recorded-after-accept';

type Writer<K extends 'recordDecision' | 'reviewEdit'> = (...args: Parameters<Activities[K]>) => ReturnType<Activities[K]>;
interface DecisionWriters {
  recordDecision: Writer<'recordDecision'>;
  reviewEdit: Writer<'reviewEdit'>;
}

function decisionWriters(): DecisionWriters {
  if (!patched(DECISION_AFTER_ACCEPT_PATCH)) return { recordDecision: (input) => bookkeeping.recordDecision(input), reviewEdit: (input) => bookkeeping.reviewEdit(input) };
  // Not cancellable: a kill switch arriving meanwhile must not turn a recorded decision into a failed update.
  return {
    recordDecision: (input) => CancellationScope.nonCancellable(() => recorder.recordDecision(input)),
    reviewEdit: (input) => CancellationScope.nonCancellable(() => recorder.reviewEdit(input)),
  };
}

/**
 * Waits for humans, round by round. A round ends approved, denied, timed out,
 * or superseded by an approver's edit (which is re-classified and, if still
 * risky, opens a new round on the new arguments with the editor's approval counted).
 */
export async function awaitApproval(
  input: GuardedActionInput,
  initial: Extract<Classification, { decision: 'require_approval' }>,
  initialImpacts: BudgetImpactView[],
  initialEffective: EffectiveArgs,
  view: ActionStatusView,
): Promise<Verdict> {
  const { actionId, request } = input;
  let effective: EffectiveArgs = initialEffective;
  let requirement = initial.approval;
  let budgetImpacts = initialImpacts;
  let carried: RecordedDecision | undefined;
  let round: Round | undefined;

  setHandler(
    decideUpdate,
    async (decision: ApprovalDecision): Promise<DecideResult> => {
      const current = round!;
      const recorded: RecordedDecision = {
        approverId: decision.approverId,
        decision: decision.decision,
        channel: decision.channel,
        ...(decision.comment ? { comment: decision.comment } : {}),
        ...(decision.feedback ? { feedback: decision.feedback } : {}),
        round: current.number,
        decidedAt: new Date().toISOString(),
      };
      const writers = decisionWriters();
      if (decision.editedArgs) return applyEdit(current, recorded, decision.editedArgs, writers);
      // Listed synchronously so a concurrent duplicate fails the validator; counted only once
      // stored, so the round never closes (and audits its closing) before the decision is recorded.
      current.decisions.push(recorded);
      // A remembered grant travels with the decision: one activity, run only once Temporal accepted it, writes both.
      await writers.recordDecision({
        actionId,
        approvalId: current.approvalId,
        round: current.number,
        argsHash: current.argsHash,
        decision: recorded,
        ...(decision.standingApproval ? { standingApproval: decision.standingApproval } : {}),
      });
      current.tally = tallyDecisions(current.decisions, current.requirement, current.eligible.length);
      return result(current, current.tally);
    },
    {
      validator: (decision: ApprovalDecision) => {
        if (!round || view.phase !== 'awaiting_approval') throw new Error('the action is not awaiting a decision');
        validateDecision(decision, round);
      },
    },
  );

  async function applyEdit(current: Round, recorded: RecordedDecision, editedArgs: Record<string, unknown>, writers: DecisionWriters): Promise<DecideResult> {
    current.editInProgress = true;
    try {
      const review = await writers.reviewEdit({
        input,
        round: current.number,
        approverId: recorded.approverId,
        editedArgs,
        previousBudgetHolder: effective.budgetHolder,
      });
      if (!review.ok) throw ApplicationFailure.nonRetryable(`edit rejected: ${review.reason}`, 'EditRejected');
      const editor: RecordedDecision = { ...recorded, editedArgsHash: review.argsHash };
      current.decisions.push(editor);
      await writers.recordDecision({ actionId, approvalId: current.approvalId, round: current.number, argsHash: current.argsHash, decision: editor, editedArgs: review.redactedArgs });
      current.pendingEdit = {
        effective: { args: editedArgs, argsHash: review.argsHash, budgetHolder: review.budgetHolder, budgetReserved: review.budgetReserved },
        classification: review.classification,
        budgetImpacts: review.budgetImpacts,
        editor,
      };
      return result(current, 'approved');
    } finally {
      current.editInProgress = false;
    }
  }

  for (let number = 1; ; number++) {
    const deadline = requirement.timeoutOutcome === 'wait_forever' ? null : new Date(Date.now() + requirement.timeoutMs).toISOString();
    const opened = await bookkeeping.openApproval({
      actionId,
      round: number,
      agentId: request.agentId,
      requestedBy: request.requestedBy,
      argsHash: effective.argsHash,
      requirement,
      deadline,
      budgetImpacts,
    });
    round = {
      number,
      approvalId: opened.approvalId,
      requirement,
      argsHash: effective.argsHash,
      eligible: opened.eligibleApprovers,
      excluded: opened.excluded,
      decisions: [],
      tally: 'open',
      accepting: true,
      editInProgress: false,
    };
    const current = round;
    if (carried && current.eligible.some((a) => a.id === carried!.approverId)) {
      const approval: RecordedDecision = { ...carried, round: number, comment: 'approved the edited arguments' };
      delete approval.editedArgsHash;
      current.decisions.push(approval);
      current.tally = tallyDecisions(current.decisions, requirement, current.eligible.length);
      await bookkeeping.recordDecision({ actionId, approvalId: current.approvalId, round: number, argsHash: current.argsHash, decision: approval });
    }
    view.argsHash = effective.argsHash;
    view.budgetImpacts = budgetImpacts;
    view.approval = {
      approvalId: current.approvalId,
      round: number,
      requiredApprovals: requirement.requiredApprovals,
      approverRole: requirement.approverRole,
      ...(requirement.approverGroup ? { approverGroup: requirement.approverGroup } : {}),
      deadline,
      escalationLevel: 0,
      decisions: current.decisions,
    };
    view.phase = 'awaiting_approval';

    const ended = await waitForRound(current, deadline);
    // From here no decision is accepted into this round.
    current.accepting = false;
    view.phase = 'completing';
    const close = (closure: 'approved' | 'denied' | 'expired', reason: string) =>
      bookkeeping.closeApproval({ actionId, approvalId: current.approvalId, round: number, closure, reason });

    if (current.pendingEdit) {
      const edit = current.pendingEdit;
      await close('approved', `${edit.editor.approverId} approved edited arguments; re-classified as ${edit.classification.decision} (${edit.classification.tier})`);
      effective = edit.effective;
      budgetImpacts = edit.budgetImpacts;
      view.classification = edit.classification;
      view.argsHash = effective.argsHash;
      if (edit.classification.decision === 'deny') {
        return { kind: 'closed', outcome: { status: 'denied', actionId, reason: `the edited arguments are denied by policy: ${edit.classification.reasons.join('; ')}`, deniedBy: 'policy' } };
      }
      if (edit.classification.decision === 'allow') return { kind: 'approved', effective };
      requirement = edit.classification.approval;
      carried = edit.editor;
      continue;
    }
    if (ended === 'timed_out') {
      const outcome = requirement.timeoutOutcome;
      await close('expired', `no decision before ${deadline ?? 'the deadline'}; timeout outcome: ${outcome}`);
      if (outcome === 'approve') return { kind: 'approved', effective };
      return { kind: 'closed', outcome: { status: 'expired', actionId, reason: `no decision before the deadline (${deadline}); the request was not run` } };
    }
    if (current.tally === 'denied') {
      const denial = current.decisions.find((d) => d.decision === 'deny')!;
      await close('denied', `denied by ${denial.approverId}`);
      return {
        kind: 'closed',
        outcome: {
          status: 'denied',
          actionId,
          reason: denial.comment ?? `denied by ${denial.approverId}`,
          ...(denial.feedback ? { feedback: denial.feedback } : {}),
          deniedBy: denial.approverId,
        },
      };
    }
    const approvals = current.decisions.filter((d) => d.decision === 'approve').length;
    await close('approved', `${approvals} of ${requirement.requiredApprovals} approvals`);
    return { kind: 'approved', effective };
  }

  /** Waits for the round to end, widening the approvers along the escalation chain. */
  async function waitForRound(current: Round, deadline: string | null): Promise<'decided' | 'timed_out'> {
    const ended = () => current.tally !== 'open' || current.pendingEdit !== undefined;
    const openedAt = Date.now();
    const deadlineMs = deadline ? Date.parse(deadline) : undefined;
    const escalate = async (level: number, to: string) => {
      const widened = await bookkeeping.escalateApproval({
        actionId,
        approvalId: current.approvalId,
        round: current.number,
        level,
        to,
        requirement: current.requirement,
        agentId: request.agentId,
        requestedBy: request.requestedBy,
      });
      current.eligible = widened.eligibleApprovers;
      current.excluded = widened.excluded;
      view.approval!.escalationLevel = level;
    };
    for (const [index, step] of current.requirement.escalation.entries()) {
      const at = openedAt + step.afterMs;
      if (deadlineMs !== undefined && at >= deadlineMs) break;
      if (await condition(ended, Math.max(1, at - Date.now()))) return 'decided';
      await escalate(index + 1, step.to);
    }
    if (deadlineMs === undefined) {
      await condition(ended);
      return 'decided';
    }
    if (await condition(ended, Math.max(1, deadlineMs - Date.now()))) return 'decided';
    if (current.requirement.timeoutOutcome !== 'escalate') return 'timed_out';
    // Escalate at the deadline: admins join and the wait continues without one.
    await escalate(current.requirement.escalation.length + 1, ADMINS);
    await condition(ended);
    return 'decided';
  }
}

function result(round: Round, tally: ApprovalTally): DecideResult {
  return {
    accepted: true,
    approvalsSoFar: round.decisions.filter((d) => d.decision === 'approve').length,
    requiredApprovals: round.requirement.requiredApprovals,
    approvalStatus: tally,
  };
}
