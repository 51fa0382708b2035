import { ActivityFailure, ApplicationFailure, CancellationScope, allHandlersFinished, condition, isCancellation, patched, setHandler } from '@temporalio/workflow';
import type { ActionOutcome, ActionStatusView, GuardedActionInput, PlanArgs } from '@airlock/core';
import { PLAN_TOOL, runIdempotencyKey, statusQuery } from '@airlock/core/workflow';
import { bookkeeping, executor, waitingExecutor } from './activities.js';
import { closeForCancellation, passGate, type ActionHold } from './gate.js';
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
  const hold: ActionHold = { effective: { args: request.args, argsHash: input.argsHash, budgetHolder: actionId, budgetReserved: false } };

  /** Ends the action; `recorded` when the tool run already stored the outcome with its success. */
  const finish = async (outcome: ActionOutcome, recorded = false): Promise<ActionOutcome> => {
    view.phase = 'completing';
    view.outcome = outcome;
    // Non-cancellable: a cancelled action still records its outcome and lets in-flight decisions finish.
    const final = await CancellationScope.nonCancellable(async () => {
      // An outcome already recorded (outcomes never change) is the one the agent gets.
      const kept = recorded ? null : await bookkeeping.completeAction({ outcome, budgetHolder: hold.effective.budgetHolder, budgetReserved: hold.effective.budgetReserved });
      if (kept) view.outcome = kept;
      view.phase = 'completed';
      await condition(allHandlersFinished);
      return kept ?? outcome;
    });
    return final;
  };

  try {
    // Admission (which runs an action the policy allows outright), perhaps people, the re-check.
    const gate = await passGate(input, view, hold);
    if (gate.kind === 'ran') {
      view.phase = 'running';
      const { run } = gate;
      return run.ok ? await finish({ status: 'executed', actionId, output: run.output }, run.recorded) : await finish({ status: 'failed', actionId, error: run.error });
    }
    if (gate.kind === 'ended') return await finish(gate.outcome);
    const { effective } = hold;

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
    return await finish({ status: 'cancelled', actionId, reason: await closeForCancellation(input, view) });
  }
}
