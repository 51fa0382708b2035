import type { ActionOutcome } from '@airlock/core';
import { appendAudit } from '@airlock/db';
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
    async completeAction(outcome: ActionOutcome): Promise<void> {
      const { actionId } = outcome;
      // updateMany: an action refused before admission (unknown agent) has no row, only audit events.
      await db.prisma.action.updateMany({
        where: { id: actionId },
        data: { status: statusByOutcome[outcome.status], outcome: JSON.parse(JSON.stringify(outcome)) as object, completedAt: new Date() },
      });
      await appendAudit(db, {
        eventKey: `${actionId}:completed`,
        actionId,
        type: 'action.completed',
        actor: 'system:workflow',
        payload: { ...outcome, ...('output' in outcome ? { output: undefined } : {}) },
      });
    },
  };
}
