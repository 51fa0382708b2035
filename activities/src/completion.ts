import type { ActionOutcome } from '@airlock/core';
import { appendAudit, commitBudget, releaseBudget, type Prisma } from '@airlock/db';
import { redact } from '@airlock/guardrails';
import type { ActivityDeps } from './deps.js';

const statusByOutcome = {
  executed: 'executed',
  denied: 'denied',
  expired: 'expired',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;

export function createCompletionActivities({ db }: ActivityDeps) {
  return {
    /** Records the outcome; commits the budget reservation if the tool ran, releases it otherwise. */
    async completeAction(input: { outcome: ActionOutcome; budgetHolder: string }): Promise<void> {
      const { outcome } = input;
      const { actionId } = outcome;
      if (outcome.status === 'executed') await commitBudget(db, { actionId: input.budgetHolder });
      else await releaseBudget(db, { actionId: input.budgetHolder });
      // Stored redacted: the agent gets the raw outcome from the workflow, the database never holds it.
      const stored = redact(JSON.parse(JSON.stringify(outcome)) as Record<string, unknown>).value;
      // updateMany: an action refused before admission (unknown agent) has no row, only audit events.
      await db.prisma.action.updateMany({
        where: { id: actionId },
        data: { status: statusByOutcome[outcome.status], outcome: stored as Prisma.InputJsonObject, completedAt: new Date() },
      });
      // The tool output stays out of the audit log: it may hold data the log must not keep.
      const { output: _output, ...auditable } = stored as ActionOutcome & { output?: unknown };
      await appendAudit(db, { eventKey: `${actionId}:completed`, actionId, type: 'action.completed', actor: 'system:workflow', payload: auditable });
    },
  };
}
