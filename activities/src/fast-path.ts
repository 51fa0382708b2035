import { ApplicationFailure } from '@temporalio/common';
import { PLAN_TOOL, type GuardedActionInput } from '@airlock/core';
import { createAdmission, type Admission } from './admission.js';
import type { ActivityDeps } from './deps.js';
import { createExecutionActivities } from './execution.js';

export type FastPathRun = { ok: true; output: unknown; recorded: boolean } | { ok: false; error: string };

/** Tool errors the agent should see as a failed action (anything else is retried by Temporal). */
const TOOL_ERRORS = new Set(['ToolFailed', 'ToolCancelled', 'UnknownTool']);

export function createFastPath(deps: ActivityDeps) {
  const admission = createAdmission(deps);
  const execution = createExecutionActivities(deps);
  return {
    /**
     * Admission and, when the policy allows the action outright, the run itself:
     * one activity, so an auto-approved action has the same shape as a bare
     * Temporal workflow. Both halves are idempotent, so a retry is safe.
     */
    async admitAndRun(input: GuardedActionInput): Promise<{ admission: Admission; run?: FastPathRun }> {
      const admitted = await admission.admitAction(input);
      const { actionId, request } = input;
      if (admitted.classification.decision !== 'allow' || request.tool === PLAN_TOOL) return { admission: admitted };
      // With a reservation to settle, completion stays a separate step; otherwise the run records the outcome.
      const recorded = !admitted.budgetReserved;
      try {
        const { output } = await execution.runTool({ actionId, tool: request.tool, args: request.args, idempotencyKey: `${actionId}:run`, completeOnSuccess: recorded });
        return { admission: admitted, run: { ok: true, output, recorded } };
      } catch (error) {
        if (error instanceof ApplicationFailure && error.type && TOOL_ERRORS.has(error.type)) return { admission: admitted, run: { ok: false, error: error.message } };
        throw error;
      }
    },
  };
}
