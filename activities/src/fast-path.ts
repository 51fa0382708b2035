import { ApplicationFailure } from '@temporalio/common';
import { PLAN_TOOL, runIdempotencyKey, type GuardedActionInput } from '@airlock/core';
import { createAdmission, type Admission } from './admission.js';
import type { ActivityDeps } from './deps.js';
import { createClaimedRunner, createExecutionActivities } from './execution.js';

export type FastPathRun = { ok: true; output: unknown; recorded: boolean } | { ok: false; error: string };

/** Tool errors the agent should see as a failed action (anything else is retried by Temporal). */
const TOOL_ERRORS = new Set(['ToolFailed', 'ToolCancelled', 'UnknownTool']);

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

export function createFastPath(deps: ActivityDeps) {
  const admission = createAdmission(deps);
  const execution = createExecutionActivities(deps);
  const executeClaimed = createClaimedRunner(deps);
  return {
    /**
     * Admission and, when the policy allows the action outright, the run itself:
     * one activity, so an auto-approved action has the same shape as a bare
     * Temporal workflow. Admission claims the run in its own commit; a retry
     * goes through runTool, which finds how far the first attempt got.
     */
    async admitAndRun(input: GuardedActionInput): Promise<{ admission: Admission; run?: FastPathRun }> {
      const { actionId, request } = input;
      // Plans run step by step in the workflow; gate-only actions are run by the agent itself.
      const runnable = request.tool !== PLAN_TOOL && request.execution !== 'agent';
      const { admission: admitted, runClaimed } = await admission.admitAction(input, { claimRun: runnable }).catch(failWithoutRetryOnBadInput);
      if (admitted.classification.decision !== 'allow' || !runnable) return { admission: admitted };
      // With a reservation to settle, completion stays a separate step; otherwise the run records the outcome.
      const recorded = !admitted.budgetReserved;
      const run = { actionId, tool: request.tool, args: request.args, idempotencyKey: runIdempotencyKey(actionId), completeOnSuccess: recorded };
      try {
        const { output } = runClaimed ? await executeClaimed(run) : await execution.runTool(run);
        return { admission: admitted, run: { ok: true, output, recorded } };
      } catch (error) {
        if (error instanceof ApplicationFailure && error.type && TOOL_ERRORS.has(error.type)) return { admission: admitted, run: { ok: false, error: error.message } };
        throw error;
      }
    },
  };
}
