import { ActivityFailure, ApplicationFailure, CancellationScope, allHandlersFinished, condition, isCancellation, patched, setHandler } from '@temporalio/workflow';
import type { ActionOutcome, ActionStatusView, GuardedActionInput, PlanArgs } from '@airlock/core';
import { PLAN_TOOL, runIdempotencyKey, statusQuery, TOOL_OVERRAN_FAILURE } from '@airlock/core/workflow';
import type { RunCompletion } from '@airlock/activities';
import { bookkeeping, executor, waitingExecutor } from './activities.js';
import type { RunEnd } from './admission-result.js';
import { recordSettled, settledRound } from './approval.js';
import { closeForCancellation, heldBudget, passGate, type ActionHold } from './gate.js';
import { ApprovalPathPatches, DECISION_BY_RUN_PATCH, RECHECK_AT_RUN_PATCH, RUN_COMPLETES_ACTION_PATCH, RUN_WAITS_FOR_CANCEL_PATCH } from './patches.js';
import { PLAN_PATCHES_AT_START_PATCH, runPlan } from './plan.js';

/**
 * One workflow per agent action: admit (policy, guardrails, rate limits, budget,
 * standing approvals), maybe wait for humans, re-check, run, record.
 */
export async function guardedAction(input: GuardedActionInput): Promise<ActionOutcome> {
  const { actionId, request } = input;
  const view: ActionStatusView = { actionId, agentId: request.agentId, tool: request.tool, argsHash: input.argsHash, phase: 'classifying' };
  setHandler(statusQuery, () => view);
  const hold: ActionHold = { effective: { args: request.args, argsHash: input.argsHash, budgetHolder: actionId, budgetReserved: false } };
  // A plan's patches, asked in the first activation (PLAN_PATCHES_AT_START_PATCH); any other action asks none here.
  const planPatchesAtStart = request.tool === PLAN_TOOL && patched(PLAN_PATCHES_AT_START_PATCH);

  /** Ends the action: the completion step records the outcome unless the run already did. */
  const finish = async (end: RunEnd): Promise<ActionOutcome> => {
    view.phase = 'completing';
    view.outcome = end.outcome;
    if (end.kind === 'completed' && allHandlersFinished()) {
      // Recorded already and nothing left to wait for: the scope and the condition below would
      // resolve at once, at the cost of the promises (and the SDK's stack trace for each) they make.
      view.phase = 'completed';
      return end.outcome;
    }
    // Non-cancellable: a cancelled action still records its outcome and lets in-flight decisions finish.
    const final = await CancellationScope.nonCancellable(async () => {
      // An outcome already recorded (outcomes never change) is the one the agent gets.
      const kept = end.kind === 'to_complete' ? await bookkeeping.completeAction({ outcome: end.outcome, hold: heldBudget(hold) }) : null;
      if (kept) view.outcome = kept;
      view.phase = 'completed';
      await condition(allHandlersFinished);
      return kept ?? end.outcome;
    });
    return final;
  };
  const complete = (outcome: ActionOutcome) => finish({ kind: 'to_complete', outcome });

  try {
    // Admission (which runs an action the policy allows outright), perhaps people, the re-check.
    // Plans re-check before their first step, in the gate.
    const runsItself = request.tool !== PLAN_TOOL;
    const patches = new ApprovalPathPatches();
    const gate = await passGate(input, view, hold, {
      patches,
      runsInAdmission: runsItself,
      recheckAtRun: () => runsItself && patches.has(RECHECK_AT_RUN_PATCH),
      runRecordsDecision: () => runsItself && patches.has(DECISION_BY_RUN_PATCH),
    });
    if (gate.kind === 'ran') {
      view.phase = 'running';
      return await finish(gate.run);
    }
    if (gate.kind === 'ended') return await complete(gate.outcome);
    const { effective } = hold;

    view.phase = 'running';
    if (request.tool === PLAN_TOOL) {
      hold.spentSteps = [];
      return await complete(await runPlan(actionId, effective.args as PlanArgs, view, request.agentId, planPatchesAtStart, hold.spentSteps));
    }
    try {
      const runner = patches.has(RUN_WAITS_FOR_CANCEL_PATCH) ? waitingExecutor : executor;
      const completion: RunCompletion = patches.has(RUN_COMPLETES_ACTION_PATCH) || !effective.budgetReserved ? { kind: 'in_run', hold: heldBudget(hold) } : { kind: 'by_workflow' };
      const settled = settledRound(hold);
      const { output, kept } = await runner.runTool({
        actionId,
        tool: request.tool,
        args: effective.args,
        idempotencyKey: runIdempotencyKey(actionId),
        completion,
        agentId: request.agentId,
        ...(gate.recheck === 'at_run' ? { recheck: { input, budgetHolder: effective.budgetHolder } } : {}),
        ...(settled ? { settledRound: settled } : {}),
      });
      // The run wrote the round it was handed before anything else.
      hold.unwritten = undefined;
      const outcome: ActionOutcome = kept ?? { status: 'executed', actionId, output };
      return await finish(completion.kind === 'in_run' ? { kind: 'completed', outcome } : { kind: 'to_complete', outcome });
    } catch (error) {
      if (isCancellation(error)) throw error;
      // A run that failed may have failed before writing the round it was handed.
      await recordSettled(hold);
      if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
        // The kill switch won the race with the start: the tool never ran.
        if (error.cause.type === 'KillSwitch') return await complete({ status: 'cancelled', actionId, reason: error.cause.message });
        if (error.cause.type === 'RecheckFailed')
          return await complete({ status: 'denied', actionId, reason: `re-check before running failed: ${error.cause.message}`, deniedBy: 'policy' });
        // Stopped at its time limit, not undone: it may have done what it costs.
        if (error.cause.type === TOOL_OVERRAN_FAILURE) hold.mayHaveRun = true;
        return await complete({ status: 'failed', actionId, error: error.cause.message });
      }
      throw error;
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // Cancelled (by an operator or the kill switch): close what is open, tell the agent why, end cleanly.
    return await complete({ status: 'cancelled', actionId, reason: await closeForCancellation(input, view, hold) });
  }
}
