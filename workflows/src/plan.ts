import { ActivityFailure, ApplicationFailure, CancellationScope, condition, isCancellation, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { ActionOutcome, ActionStatusView, CompensationResolution, PlanArgs, PlanStep, PlanStepView } from '@airlock/core';
import { resolveCompensationUpdate, TOOL_OVERRAN_FAILURE } from '@airlock/core/workflow';
import type { Activities } from '@airlock/activities';
import { bookkeeping, executor, recorder, TOOL_HEARTBEAT_TIMEOUT, waitingExecutor } from './activities.js';
import { compensationInputProblem } from './compensation-rules.js';
import { COMPENSATION_RESOLUTION_AFTER_ACCEPT_PATCH, FAILED_PLAN_ROLLBACK_PATCH } from './patches.js';

// Compensations retry a few times on their own before a person is asked. The heartbeat timeout (the
// activity beats every second) retries one whose worker died within seconds, not after 2 minutes.
const compensator = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: TOOL_HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 },
});

/**
 * A step's run waits for a cancellation (kill switch) to take effect, so a step
 * that finished anyway counts as completed and is compensated, never forgotten.
 */
export const PLAN_STEP_WAITS_FOR_CANCEL_PATCH = 'plan-step-waits-for-cancellation';

/**
 * Stands for PLAN_STEP_WAITS_FOR_CANCEL_PATCH in plans recorded since it, asked first thing in the workflow's first
 * activation (guardedAction, for `airlock.plan` only). That patch, asked at the first step, could come right after a
 * local activity (admission in the first task, or the re-check before the first step), and which task a local
 * activity's result lands in is not the workflow's to decide: a run and its replay could ask it in different tasks,
 * and the history would not replay (see ADMISSION_IN_FIRST_TASK_V2_PATCH). Plans from before ask it at each step.
 */
export const PLAN_PATCHES_AT_START_PATCH = 'plan-patches-at-start';

interface CompletedStep {
  index: number;
  tool: string;
  args: Record<string, unknown>;
  output: unknown;
}

/**
 * Runs a plan's steps in order. When a step fails (or the plan is cancelled),
 * completed steps are compensated in reverse order; a compensation that keeps
 * failing waits for a person (`resolveCompensation`) instead of being dropped.
 * `spent` gets each step that ran and was not undone (irreversible, or resolved by hand: what the person did is not
 * Airlock's to know), so that completion commits their cost and releases the rest of the plan's hold.
 */
export async function runPlan(actionId: string, plan: PlanArgs, view: ActionStatusView, agentId: string, patchesAtStart: boolean, spent: PlanStep[]): Promise<ActionOutcome> {
  const steps: PlanStepView[] = view.plan?.steps ?? plan.steps.map((s) => ({ tool: s.tool, decision: 'allow', tier: 'low', reversible: false, status: 'pending' }));
  view.plan = { steps };
  const completed: CompletedStep[] = [];
  // `answering`: an accepted answer is being written (its activity may take a round trip); the validator refuses another meanwhile.
  let awaiting: { step: number; resolution?: CompensationResolution; answering?: boolean } | undefined;
  let resolutions = 0;

  setHandler(
    resolveCompensationUpdate,
    async (resolution: CompensationResolution) => {
      const sequence = ++resolutions;
      const waiting = awaiting?.step === resolution.step ? awaiting : undefined;
      if (waiting) waiting.answering = true;
      // By a normal activity, scheduled in the task that accepts the resolution: written only once Temporal durably
      // took it, and not cut short by a cancellation once taken. Histories from before wrote it in a local activity.
      let recorded: { ok: true } | { ok: false; reason: string };
      try {
        recorded = patched(COMPENSATION_RESOLUTION_AFTER_ACCEPT_PATCH)
          ? await CancellationScope.nonCancellable(() => recorder.recordCompensationResolution({ actionId, resolution, sequence }))
          : await bookkeeping.recordCompensationResolution({ actionId, resolution, sequence });
      } finally {
        if (waiting) waiting.answering = false;
      }
      if (!recorded.ok) throw ApplicationFailure.nonRetryable(recorded.reason, 'NotAllowed');
      if (awaiting?.step === resolution.step) awaiting.resolution = resolution;
      return { accepted: true as const };
    },
    {
      validator: (resolution: CompensationResolution) => {
        // A rejection here leaves no history event, so refusing more input than before replays every old history.
        const problem = compensationInputProblem(resolution);
        if (problem) throw new Error(`the resolution cannot be recorded: ${problem}`);
        if (view.phase !== 'compensation_failed' || awaiting?.step !== resolution.step) {
          throw new Error(`step ${resolution.step + 1} is not waiting for a decision about its compensation`);
        }
        // Validators run only when an update arrives (never on replay): refusing this replays every history.
        if (awaiting.answering) throw new Error(`an answer about step ${resolution.step + 1}'s compensation is being recorded`);
      },
    },
  );

  const compensateAll = async (): Promise<string[]> => {
    const report: string[] = [];
    view.phase = 'compensating';
    for (const done of [...completed].reverse()) {
      const step = steps[done.index]!;
      step.status = 'compensating';
      for (let round = 1; ; round++) {
        try {
          const { status } = await compensator.compensateStep({ actionId, step: done.index, tool: done.tool, args: done.args, output: done.output, round });
          step.status = status;
          if (status === 'irreversible') spent.push({ tool: done.tool, args: done.args });
          report.push(`step ${done.index + 1} (${done.tool}) ${status}`);
          break;
        } catch (error) {
          if (!(error instanceof ActivityFailure)) throw error;
          step.status = 'compensation_failed';
          view.phase = 'compensation_failed';
          awaiting = { step: done.index };
          await condition(() => awaiting?.resolution !== undefined);
          const answer = awaiting.resolution!;
          awaiting = undefined;
          view.phase = 'compensating';
          if (answer.resolution === 'resolved_manually') {
            step.status = 'compensated';
            spent.push({ tool: done.tool, args: done.args });
            report.push(`step ${done.index + 1} (${done.tool}) resolved by hand by ${answer.approverId}`);
            break;
          }
        }
      }
    }
    return report;
  };

  for (const [index, step] of plan.steps.entries()) {
    const stepView = steps[index]!;
    stepView.status = 'running';
    try {
      const runner = patchesAtStart || patched(PLAN_STEP_WAITS_FOR_CANCEL_PATCH) ? waitingExecutor : executor;
      // With the agent, each step's start passes the kill switch's start gate (checked and claimed in one commit).
      const { output } = await runner.runTool({
        actionId,
        tool: step.tool,
        args: step.args,
        idempotencyKey: `${actionId}:step:${index}`,
        completion: { kind: 'by_workflow' },
        agentId,
      });
      stepView.status = 'succeeded';
      completed.push({ index, tool: step.tool, args: step.args, output });
    } catch (error) {
      if (isCancellation(error)) {
        stepView.status = 'failed';
        // Roll back what already happened before reporting the cancellation.
        await CancellationScope.nonCancellable(compensateAll);
        throw error;
      }
      if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)) throw error;
      stepView.status = 'failed';
      if (error.cause.type === 'KillSwitch') {
        // The switch's cancellation follows its commit: the rollback must not be cut short by it.
        const report = await CancellationScope.nonCancellable(compensateAll);
        const rolledBack = report.length ? `; rolled back: ${report.join(', ')}` : '';
        return { status: 'cancelled', actionId, reason: `step ${index + 1} (${step.tool}) refused at its start: ${error.cause.message}${rolledBack}` };
      }
      // Stopped at its time limit, not undone (no compensation runs for a step that did not end): it may have spent.
      if (error.cause.type === TOOL_OVERRAN_FAILURE) spent.push({ tool: step.tool, args: step.args });
      // A kill switch or a cancel arriving mid-rollback must not cut it short either: every step that ran is undone, and
      // the outcome stays the failure that stopped the plan (finish records it non-cancellably), as at the switch above.
      // Histories from before rolled back in the cancellable scope. Asked right after the step's (normal) activity failed.
      const report = patched(FAILED_PLAN_ROLLBACK_PATCH) ? await CancellationScope.nonCancellable(compensateAll) : await compensateAll();
      const rolledBack = report.length ? `; rolled back: ${report.join(', ')}` : '';
      return { status: 'failed', actionId, error: `step ${index + 1} (${step.tool}) failed: ${error.cause.message}${rolledBack}` };
    }
  }
  return { status: 'executed', actionId, output: { steps: completed.map((c) => ({ tool: c.tool, output: c.output })) } };
}
