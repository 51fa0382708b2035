import { CompensationResolution, resolveCompensationUpdate } from '@airlock/core';
import { actionHandle } from '@airlock/core/gateway';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { z } from 'zod';
import { OpsError, fromZodError } from '../errors.js';
import type { Operator } from '../operator.js';
import { storedText } from '../stored-text.js';
import { requireRole } from '../use-case.js';
import { DEFAULT_DECISION_WAIT_MS, type DecisionDeps } from './decide.js';

export const ResolveCompensationInput = z.strictObject({
  // A NUL or a lone surrogate in the id was a 500 from PostgreSQL, or a 503 "try again" from Temporal's gRPC.
  actionId: storedText(200),
  /** The plan step whose compensation failed, counted from 1 as people see it. */
  step: z.number().int().min(1),
  resolution: z.enum(['retry', 'resolved_manually']),
  /** Audited as sent: the shared rule (at most 2000 characters, no NUL, no lone surrogate). */
  comment: CompensationResolution.shape.comment,
});

/**
 * Answers a plan's failed compensation (admin): retry it, or record that a
 * person fixed it by hand. The workflow checks the step is the one waiting and
 * writes the audit row; a refusal is a conflict naming why.
 */
export async function resolveCompensation(deps: DecisionDeps, operator: Operator, raw: unknown): Promise<{ accepted: true }> {
  await requireRole(deps, operator, 'admin', 'compensation.resolve');
  if (!operator.userId) throw new OpsError('forbidden', 'resolving a compensation needs a person: name them (--by)');
  const parsed = ResolveCompensationInput.safeParse(raw);
  if (!parsed.success) throw fromZodError(parsed.error);
  const { actionId, step, resolution, comment } = parsed.data;
  const waitMs = deps.waitMs ?? DEFAULT_DECISION_WAIT_MS;
  try {
    return await deps.temporal.withDeadline(Date.now() + waitMs, () =>
      actionHandle(deps.temporal, actionId).executeUpdate(resolveCompensationUpdate, {
        args: [{ approverId: operator.userId!, step: step - 1, resolution, ...(comment ? { comment } : {}) }],
      }),
    );
  } catch (error) {
    // Only a plan's run registers the handler: another action, or a plan not yet running its steps, has none.
    if (error instanceof WorkflowUpdateFailedError && NO_HANDLER.test(error.cause?.message ?? ''))
      throw new OpsError('conflict', `action ${actionId} is not a plan waiting on a compensation`);
    if (error instanceof WorkflowUpdateFailedError)
      throw new OpsError('conflict', error.cause?.message ?? error.message, [{ path: 'step', message: 'is not waiting for a decision' }]);
    // No run: a finished action (its row stays) is a conflict; an id that names no action stays not found.
    if (error instanceof WorkflowNotFoundError && (await actionExists(deps, actionId)))
      throw new OpsError('conflict', `action ${actionId} has finished; no compensation is waiting`);
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError)
      throw new OpsError('unavailable', `no worker confirmed the resolution within ${waitMs} ms; check the action before trying again`);
    throw error;
  }
}

/** Temporal's refusal of an update the workflow has no handler for. */
const NO_HANDLER = /^No registered handler for update: /;

async function actionExists(deps: DecisionDeps, actionId: string): Promise<boolean> {
  const { rowCount } = await deps.db.pool.query('SELECT 1 FROM actions WHERE id = $1', [actionId]);
  return (rowCount ?? 0) > 0;
}
