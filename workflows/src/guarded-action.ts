import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import {
  decideUpdate,
  statusQuery,
  type ActionOutcome,
  type ActionStatusView,
  type ApprovalDecision,
  type ApprovalRequirement,
  type Classification,
  type DecideResult,
  type EligibleApprover,
  type GuardedActionInput,
  type RecordedDecision,
} from '@airlock/core';
import type { Activities, OpenedApproval } from '@airlock/activities';

// Bookkeeping steps are short database writes: local activities skip a server
// round trip each, which keeps the guarded path close to bare Temporal.
const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '10 seconds' },
});

// The tool runs as a normal activity: it heartbeats, can be cancelled, and a
// crashed worker's attempt is retried elsewhere (idempotency key makes it safe).
const executor = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** One workflow per agent action: classify, maybe wait for humans, run, record. */
export async function guardedAction(input: GuardedActionInput): Promise<ActionOutcome> {
  const { actionId, argsHash, request } = input;
  const view: ActionStatusView = { actionId, agentId: request.agentId, tool: request.tool, argsHash, phase: 'classifying' };
  setHandler(statusQuery, () => view);

  const finish = async (outcome: ActionOutcome): Promise<ActionOutcome> => {
    view.phase = 'completing';
    view.outcome = outcome;
    // Non-cancellable: a cancelled action still records its outcome and lets in-flight decisions finish.
    await CancellationScope.nonCancellable(async () => {
      await bookkeeping.completeAction(outcome);
      view.phase = 'completed';
      await condition(allHandlersFinished);
    });
    return outcome;
  };

  try {
    const classification = await bookkeeping.admitAction(input);
    view.classification = classification;

    if (classification.decision === 'deny') {
      return await finish({ status: 'denied', actionId, reason: classification.reasons.join('; ') });
    }
    if (classification.decision === 'require_approval') {
      const verdict = await awaitApproval(input, classification, view);
      if (verdict.kind !== 'approved') return await finish(verdict.outcome);
    }

    view.phase = 'running';
    try {
      const { output } = await executor.runTool({ actionId, tool: request.tool, args: request.args, idempotencyKey: `${actionId}:run` });
      return await finish({ status: 'executed', actionId, output });
    } catch (error) {
      if (isCancellation(error)) throw error;
      if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
        return await finish({ status: 'failed', actionId, error: error.cause.message });
      }
      throw error;
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // Cancelled by an operator: close what is open and tell the agent, then end cleanly.
    if (view.approval && view.phase === 'awaiting_approval') {
      const approvalId = view.approval.approvalId;
      await CancellationScope.nonCancellable(() =>
        bookkeeping.closeApproval({ actionId, approvalId, closure: 'cancelled', reason: 'the action was cancelled' }),
      );
    }
    return await finish({ status: 'cancelled', actionId, reason: 'the action was cancelled by an operator' });
  }
}

type Verdict = { kind: 'approved' } | { kind: 'closed'; outcome: ActionOutcome };

async function awaitApproval(
  input: GuardedActionInput,
  classification: Extract<Classification, { decision: 'require_approval' }>,
  view: ActionStatusView,
): Promise<Verdict> {
  const { actionId, argsHash, request } = input;
  const requirement: ApprovalRequirement = classification.approval;
  const deadline = new Date(Date.now() + requirement.timeoutMs).toISOString();
  const opened: OpenedApproval = await bookkeeping.openApproval({
    actionId,
    agentId: request.agentId,
    requestedBy: request.requestedBy,
    argsHash,
    requirement,
    deadline,
  });
  const decisions: RecordedDecision[] = [];
  view.phase = 'awaiting_approval';
  view.approval = { approvalId: opened.approvalId, requiredApprovals: requirement.requiredApprovals, deadline, decisions };

  let status = 'open' as 'open' | 'approved' | 'denied';
  const approvals = () => decisions.filter((d) => d.decision === 'approve').length;

  setHandler(
    decideUpdate,
    async (decision: ApprovalDecision): Promise<DecideResult> => {
      // Recorded synchronously so a concurrent duplicate fails the validator.
      const recorded: RecordedDecision = { ...decision, decidedAt: new Date().toISOString() };
      decisions.push(recorded);
      if (decision.decision === 'deny') status = 'denied';
      else if (approvals() >= requirement.requiredApprovals) status = 'approved';
      const statusNow = status;
      await bookkeeping.recordDecision({ actionId, approvalId: opened.approvalId, argsHash, decision: recorded });
      return { accepted: true, approvalsSoFar: approvals(), requiredApprovals: requirement.requiredApprovals, approvalStatus: statusNow };
    },
    { validator: (decision: ApprovalDecision) => validateDecision(decision, { status, argsHash, opened, decisions, phase: view.phase }) },
  );

  const decidedInTime = await condition(() => status !== 'open', requirement.timeoutMs);
  // No decision is accepted from here on; the validator sees the phase change at once.
  view.phase = 'completing';
  const approvalId = opened.approvalId;
  if (!decidedInTime) {
    const approve = requirement.timeoutOutcome === 'approve';
    await bookkeeping.closeApproval({
      actionId,
      approvalId,
      closure: 'expired',
      reason: `no decision before ${deadline}; timeout outcome: ${requirement.timeoutOutcome}`,
    });
    if (approve) return { kind: 'approved' };
    return { kind: 'closed', outcome: { status: 'expired', actionId, reason: `no decision before the deadline (${deadline}); the request was not run` } };
  }
  if (status === 'denied') {
    const denial = decisions.find((d) => d.decision === 'deny')!;
    await bookkeeping.closeApproval({ actionId, approvalId, closure: 'denied', reason: `denied by ${denial.approverId}` });
    return {
      kind: 'closed',
      outcome: {
        status: 'denied',
        actionId,
        reason: denial.comment ?? `denied by ${denial.approverId}`,
        feedback: denial.feedback,
        deniedBy: denial.approverId,
      },
    };
  }
  await bookkeeping.closeApproval({ actionId, approvalId, closure: 'approved', reason: `${approvals()} of ${requirement.requiredApprovals} approvals` });
  return { kind: 'approved' };
}

interface DecisionContext {
  status: 'open' | 'approved' | 'denied';
  phase: ActionStatusView['phase'];
  argsHash: string;
  opened: OpenedApproval;
  decisions: readonly RecordedDecision[];
}

/** Runs before a decision is accepted into history: a rejection reaches the caller at once and leaves no trace. */
export function validateDecision(decision: ApprovalDecision, ctx: DecisionContext): void {
  if (ctx.status !== 'open' || ctx.phase !== 'awaiting_approval') {
    throw new Error('the approval is already decided or closed');
  }
  const excluded = ctx.opened.excluded.find((e) => e.id === decision.approverId);
  if (excluded) throw new Error(`${decision.approverId} may not decide: ${excluded.reason}`);
  const approver: EligibleApprover | undefined = ctx.opened.eligibleApprovers.find((a) => a.id === decision.approverId);
  if (!approver) throw new Error(`unknown approver "${decision.approverId}" or not allowed to decide this approval`);
  if (ctx.decisions.some((d) => d.approverId === decision.approverId)) {
    throw new Error(`${decision.approverId} has already decided this approval`);
  }
  if (decision.argsHash !== ctx.argsHash) {
    throw new Error('the decision was made on different arguments than the action has (args hash mismatch)');
  }
}
