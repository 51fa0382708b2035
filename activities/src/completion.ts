import type { ActionOutcome } from '@airlock/core';
import { commitBudget, releaseBudget } from '@airlock/db';
import type { ActivityDeps } from './deps.js';
import { recordCompletion } from './records.js';

export function createCompletionActivities({ db }: ActivityDeps) {
  return {
    /** Records the outcome; commits the budget reservation if the tool ran, releases it otherwise. */
    async completeAction(input: { outcome: ActionOutcome; budgetHolder: string; budgetReserved: boolean }): Promise<void> {
      const { outcome } = input;
      if (input.budgetReserved) {
        if (outcome.status === 'executed') await commitBudget(db, { actionId: input.budgetHolder });
        else await releaseBudget(db, { actionId: input.budgetHolder });
      }
      await recordCompletion(db, outcome);
    },
  };
}
