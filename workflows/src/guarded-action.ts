import { ActivityFailure, ApplicationFailure, CancellationScope, allHandlersFinished, condition, isCancellation, patched, setHandler } from '@temporalio/workflow';
import type { ActionOutcome, ActionStatusView, GuardedActionInput, PlanArgs } from '@airlock/core';
import { PLAN_TOOL, runIdempotencyKey, statusQuery } from '@airlock/core/workflow';
import { bookkeeping, executor, waitingExecutor } from './activities.js';
import { awaitApproval, type EffectiveArgs } from './approval.js';
import { runPlan } from './plan.js';

/** The tool run waits for a cancellation to take effect, so a run that finished is never reported cancelled. */
export const RUN_WAITS_FOR_CANCEL_PATCH = 'run-waits-for-cancellation';

/**
 * One workflow per agent action: admit (policy, guardrails, rate limits, budget,
 * standing approvals), maybe wait for humans, re-check, run, record.
 */
export async function guardedAction(input: GuardedActionInput): Promise<ActionOutcome> {
  const { actionId, request } = input;
  const view: ActionStatusView = { actionId, agentId: request.agentId, tool: request.tool, argsHash: input.argsHash, phase: 'classifying' };
  setHandler(statusQuery, () => view);
  let effective: EffectiveArgs = { args: request.args, argsHash: input.argsHash, budgetHolder: actionId, budgetReserved: false };

  /** Ends the action; `recorded` when the tool run already stored the outcome with its success. */
  const finish = async (outcome: ActionOutcome, recorded = false): Promise<ActionOutcome> => {
    view.phase = 'completing';
    view.outcome = outcome;
    // Non-cancellable: a cancelled action still records its outcome and lets in-flight decisions finish.
    const final = await CancellationScope.nonCancellable(async () => {
      // An outcome already recorded (outcomes never change) is the one the agent gets.
      const kept = recorded ? null : await bookkeeping.completeAction({ outcome, budgetHolder: effective.budgetHolder, budgetReserved: effective.budgetReserved });
      if (kept) view.outcome = kept;
      view.phase = 'completed';
      await condition(allHandlersFinished);
      return kept ?? outcome;
    });
    return final;
  };

  try {
    // Admission, and for an action the policy allows outright, the run too: one activity.
    const { admission, run } = await executor.admitAndRun(input);
    const { classification } = admission;
    view.classification = classification;
    view.guardrailFlags = admission.guardrailFlags;
    view.budgetImpacts = admission.budgetImpacts;
    if (admission.standingGrantId) view.standingGrantId = admission.standingGrantId;
    if (admission.plan) view.plan = { steps: admission.plan };
    effective = { ...effective, budgetReserved: admission.budgetReserved };
    if (run) {
      view.phase = 'running';
      return run.ok ? await finish({ status: 'executed', actionId, output: run.output }, run.recorded) : await finish({ status: 'failed', actionId, error: run.error });
    }

    if (classification.decision === 'deny') {
      return await finish({ status: 'denied', actionId, reason: classification.reasons.join('; '), deniedBy: 'policy' });
    }
    if (classification.decision === 'require_approval') {
      const verdict = await awaitApproval(input, classification, admission.budgetImpacts, effective, view);
      if (verdict.kind === 'closed') return await finish(verdict.outcome);
      effective = verdict.effective;
      // The world may have changed while the approval waited: suspended agent, new policy, lowered budget.
      view.phase = 'rechecking';
      const recheck = await bookkeeping.recheckBeforeRun({ input, args: effective.args, budgetHolder: effective.budgetHolder });
      if (!recheck.ok) {
        return await finish({ status: 'denied', actionId, reason: `re-check before running failed: ${recheck.reason}`, deniedBy: 'policy' });
      }
      // A budget created while the action waited was reserved at the re-check: settled at completion.
      if (recheck.budgetReserved) effective = { ...effective, budgetReserved: true };
    }

    view.phase = 'running';
    if (request.tool === PLAN_TOOL) return await finish(await runPlan(actionId, effective.args as PlanArgs, view, request.agentId));
    try {
      // With no budget to settle, the run records the outcome itself: one step fewer on the hot path.
      const completeOnSuccess = !effective.budgetReserved;
      const runner = patched(RUN_WAITS_FOR_CANCEL_PATCH) ? waitingExecutor : executor;
      const { output } = await runner.runTool({
        actionId,
        tool: request.tool,
        args: effective.args,
        idempotencyKey: runIdempotencyKey(actionId),
        completeOnSuccess,
        agentId: request.agentId,
      });
      return await finish({ status: 'executed', actionId, output }, completeOnSuccess);
    } catch (error) {
      if (isCancellation(error)) throw error;
      if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
        // The kill switch won the race with the start: the tool never ran.
        if (error.cause.type === 'KillSwitch') return await finish({ status: 'cancelled', actionId, reason: error.cause.message });
        return await finish({ status: 'failed', actionId, error: error.cause.message });
      }
      throw error;
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // Cancelled (by an operator or the kill switch): close what is open, tell the agent why, end cleanly.
    const reason = await CancellationScope.nonCancellable(async () => {
      const why = await bookkeeping.cancellationReason({ agentId: request.agentId });
      if (view.approval && view.phase === 'awaiting_approval') {
        await bookkeeping.closeApproval({ actionId, approvalId: view.approval.approvalId, round: view.approval.round, closure: 'cancelled', reason: why });
      }
      return why;
    });
    return await finish({ status: 'cancelled', actionId, reason });
  }
}
