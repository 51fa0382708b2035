import { actionHandle, isClosedWorkflowError } from '@airlock/core/gateway';
import { appendAuditIn } from '@airlock/db/audit-append';
import type { Db } from '@airlock/db/client';
import { inTransaction } from '@airlock/db/transaction';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { retryAbortedTransaction } from '../aborted-transaction-retry.js';
import { OpsError, fromZodError } from '../errors.js';
import { RecordId } from '../fields.js';
import type { Operator } from '../operator.js';
import { OperatorStandingLost, holdOperatorStanding, refuseLostOperator } from '../operator-standing.js';
import { requireRole } from '../use-case.js';

export const CancelActionInput = z.strictObject({ actionId: RecordId });

/**
 * Who asks to cancel: a person (an admin), or the agent that sent the action. Which
 * actions an agent may name (only its own) is the channel's to check before calling.
 */
export type Canceller = { operator: Operator } | { agentId: string };

export interface CancelDeps {
  db: Db;
  temporal: Client;
}

export interface CancelRequested {
  actionId: string;
  cancelRequested: true;
}

/**
 * Asks an action's workflow to cancel (admin, or the agent that sent it). The
 * `action.cancel_requested` row commits first, in a transaction that holds the
 * action's row FOR SHARE: the run's completion (which updates that row) waits for
 * it, so the request is in the log before the `action.completed` it leads to, and
 * an action whose outcome is recorded is refused (409) with nothing written. Only
 * then is the cancellation sent, so a request that could not be recorded sends
 * none. The workflow records the cancellation itself (`action.completed`, status
 * cancelled).
 *
 * Idempotent per asker: the row's key is the action and who asks, so asking again
 * (after Temporal did not take the cancellation, say) writes no second row and
 * sends the cancellation again. A row whose cancellation never reached Temporal
 * still says what happened: it was requested.
 */
export async function cancelAction(deps: CancelDeps, by: Canceller, raw: unknown): Promise<CancelRequested> {
  if ('operator' in by) await requireRole(deps, by.operator, 'admin', 'action.cancel');
  const parsed = CancelActionInput.safeParse(raw);
  if (!parsed.success) throw fromZodError(parsed.error);
  const { actionId } = parsed.data;
  const actor = 'operator' in by ? by.operator.actor : `agent:${by.agentId}`;
  const via = 'operator' in by ? by.operator.channel : 'api';

  try {
    await recordRequest(deps.db, by, actionId, actor, via);
  } catch (error) {
    if (error instanceof OperatorStandingLost && 'operator' in by) return refuseLostOperator(deps.db, by.operator, error, 'admin', 'action.cancel');
    throw error;
  }

  try {
    await actionHandle(deps.temporal, actionId).cancel();
  } catch (error) {
    // Finished on its own between the commit and the cancellation: the request stands in the log, and so does the outcome.
    if (isClosedWorkflowError(error)) throw finished(actionId);
    throw error;
  }
  return { actionId, cancelRequested: true };
}

/** The request's row, committed unless the action has finished (or a person lost the admin role meanwhile). */
function recordRequest(db: Db, by: Canceller, actionId: string, actor: string, via: string): Promise<void> {
  return retryAbortedTransaction((final) =>
    inTransaction(db, async (tx) => {
      if ('operator' in by) await holdOperatorStanding(tx, by.operator, 'admin');
      const { rows } = await tx.query<{ finished: boolean }>('SELECT outcome IS NOT NULL AS finished FROM actions WHERE id = $1 FOR SHARE', [actionId]);
      // Temporal takes a cancellation of a closed workflow without a word: the recorded outcome says it has finished.
      if (rows[0]?.finished) throw finished(actionId);
      await appendAuditIn(tx, { eventKey: `${actionId}:cancel_requested:${actor}`, actionId, type: 'action.cancel_requested', actor, payload: { via } });
      // Told the audit observers of the row: only COMMIT follows, and running again would tell them twice.
      final();
    }),
  );
}

function finished(actionId: string): OpsError {
  return new OpsError('conflict', `action ${actionId} has finished; its outcome stands and nothing was cancelled`);
}
