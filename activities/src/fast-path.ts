import { ApplicationFailure } from '@temporalio/common';
import { PLAN_TOOL, runIdempotencyKey, TOOL_OVERRAN_FAILURE, type ActionOutcome, type GuardedActionInput } from '@airlock/core';
import { createAdmission, type Admission } from './admission.js';
import type { ActivityDeps } from './deps.js';
import { completeInTransaction, type BudgetHold } from './completion.js';
import { createClaimedRunner, createExecutionActivities, type RunToolInput } from './execution.js';
import { heartbeatingWhile } from './heartbeats.js';
import type { OpenedRound } from './round-opening.js';

/** The fast path's run, ended and completed by the run itself: the outcome that stands (budget settled, audited). */
export type FastPathRun = { completed: ActionOutcome } | LegacyFastPathRun;

/** The answer in histories written before completion had one home: `recorded: false` left completion to the workflow. */
export type LegacyFastPathRun = { ok: true; output: unknown; recorded: boolean } | { ok: false; error: string };

/**
 * `admitAndRun`'s answer: admission, and the run when it ran, or round 1 when
 * admission opened it. Saved histories hold `{ admission, run? }`: fields are only added.
 */
export interface AdmitAndRunAnswer {
  admission: Admission;
  run?: FastPathRun;
  opened?: OpenedRound;
}

/**
 * The workflow's time when it asked for admission: a round opened here starts no
 * earlier than that, so its deadline and the workflow's timers read the same clock
 * (they differ where workflow time runs ahead, as on Temporal's time-skipping server).
 */
export interface WorkflowClock {
  workflowNowMs?: number;
}

/** Tool errors the agent should see as a failed action (anything else is retried by Temporal). */
const TOOL_ERRORS = new Set(['ToolFailed', 'ToolCancelled', 'UnknownTool', TOOL_OVERRAN_FAILURE]);

/**
 * A RangeError (a stack overflow or an impossible length) comes from the input
 * itself: the same input fails the same way on every attempt, so it ends the
 * attempt series instead of retrying forever. The worker's orphan sweeper then
 * reports the workflow, which has no action row.
 */
function failWithoutRetryOnBadInput(error: unknown): never {
  if (error instanceof RangeError) throw ApplicationFailure.nonRetryable(`admission cannot handle this input: ${error.message}`, 'InvalidInput');
  throw error;
}

/** Plans run step by step in the workflow; gate-only actions are run by the agent itself. */
const isRunnable = ({ request }: GuardedActionInput): boolean => request.tool !== PLAN_TOOL && request.execution !== 'agent';

export function createFastPath(deps: ActivityDeps) {
  const admission = createAdmission(deps);
  const execution = createExecutionActivities(deps);
  const executeClaimed = createClaimedRunner(deps);

  async function admitAndRunOnce(input: GuardedActionInput, clock: WorkflowClock): Promise<AdmitAndRunAnswer> {
    const { actionId, request } = input;
    const runnable = isRunnable(input);
    const { admission: admitted, runClaimed, opened } = await admission.admitAction(input, { claimRun: runnable, ...clock }).catch(failWithoutRetryOnBadInput);
    if (opened) return { admission: admitted, opened };
    if (admitted.classification.decision !== 'allow' || !runnable) return { admission: admitted };
    // The run completes the action itself, whatever it ends as: no completion step follows on the hot path.
    const hold: BudgetHold | null = admitted.budgetReserved ? { holder: actionId } : null;
    const run: RunToolInput = { actionId, tool: request.tool, args: request.args, idempotencyKey: runIdempotencyKey(actionId), completion: { kind: 'in_run', hold } };
    try {
      const { output, kept } = runClaimed ? await executeClaimed(run) : await execution.runTool(run);
      return { admission: admitted, run: { completed: kept ?? { status: 'executed', actionId, output } } };
    } catch (error) {
      if (!(error instanceof ApplicationFailure && error.type && TOOL_ERRORS.has(error.type))) throw error;
      const failed: ActionOutcome = { status: 'failed', actionId, error: error.message };
      // A run stopped at its limit may have done what it costs: its reservation is kept as spent, not released.
      const kept = await completeInTransaction(deps.db, failed, hold && error.type === TOOL_OVERRAN_FAILURE ? { ...hold, mayHaveRun: true } : hold);
      return { admission: admitted, run: { completed: kept ?? failed } };
    }
  }

  return {
    /**
     * Admission alone, for an action its caller expects to wait for people: run as a
     * local activity in the workflow's first task, which then waits with no activity
     * and no second task between (one workflow task per pending action, as a bare
     * workflow waiting on an Update). Its writes precede that task's completion, so
     * they must agree with any retry of it: a retried task runs admission again,
     * which finds this commit and answers from it (a unique insert, then the stored
     * admission). It never claims a run: a tool starts only in an activity that a
     * completed workflow task scheduled, so an action the policy allows after all is
     * run by `runTool`, after the gate, as a plan's steps are.
     */
    async admit(input: GuardedActionInput, clock: WorkflowClock = {}): Promise<AdmitAndRunAnswer> {
      // Under the start gate where admitAndRun would be: a kill switch lists this action or this admission sees it.
      const underStartGate = isRunnable(input);
      const { admission: admitted, opened } = await admission.admitAction(input, { claimRun: false, underStartGate, ...clock }).catch(failWithoutRetryOnBadInput);
      return opened ? { admission: admitted, opened } : { admission: admitted };
    },
    /**
     * Admission and, when the policy allows the action outright, the run itself:
     * one activity, so an auto-approved action has the same shape as a bare
     * Temporal workflow. Admission claims the run in its own commit; a retry
     * goes through runTool, which finds how far the first attempt got.
     */
    admitAndRun(input: GuardedActionInput, clock: WorkflowClock = {}): Promise<AdmitAndRunAnswer> {
      return heartbeatingWhile(() => admitAndRunOnce(input, clock));
    },
  };
}
