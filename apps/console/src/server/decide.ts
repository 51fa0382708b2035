import type { DecideResult } from '@airlock/core';
import { decideAction } from '@airlock/core/gateway';
import { WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { ApiError } from './errors.js';

/** How long a decision waits for a worker to confirm it, unless the context says otherwise. */
export const DEFAULT_DECISION_WAIT_MS = 20_000;

/**
 * Sends a decision and waits for the workflow to record it. With no worker an
 * update would wait indefinitely, so people and HTTP clients get a bounded answer.
 */
export async function decideWithin(temporal: Client, actionId: string, decision: unknown, waitMs = DEFAULT_DECISION_WAIT_MS): Promise<DecideResult> {
  try {
    return await temporal.withDeadline(Date.now() + waitMs, () => decideAction(temporal, actionId, decision));
  } catch (error) {
    if (!(error instanceof WorkflowUpdateRPCTimeoutOrCancelledError)) throw error;
    throw new ApiError(
      503,
      'unavailable',
      `no worker confirmed the decision within ${waitMs} ms; it may still be applied once a worker runs, so check the action before deciding again`,
    );
  }
}
