import type { ActionOutcome } from '@airlock/core';
import { commitBudget, releaseBudget } from '@airlock/db';
import type { ActivityDeps } from './deps.js';
import { reached } from './kill-points.js';
import { recordCompletion } from './records.js';

export function createCompletionActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /**
     * Records the outcome; commits the budget reservation if the tool ran, releases it otherwise.
     * Returns the outcome already recorded when it differs (outcomes never change): the workflow reports that one.
     */
    async completeAction(input: { outcome: ActionOutcome; budgetHolder: string; budgetReserved: boolean }): Promise<ActionOutcome | null> {
      const { outcome } = input;
      reached(deps, 'complete.before-write');
      const kept = await recordCompletion(db, outcome);
      // Settled by what is recorded: a run that executed before a cancellation commits its cost.
      if (input.budgetReserved) {
        if ((kept ?? outcome).status === 'executed') await commitBudget(db, { actionId: input.budgetHolder });
        else await releaseBudget(db, { actionId: input.budgetHolder });
      }
      reached(deps, 'complete.after-write');
      return kept;
    },
  };
}
