import { awaitOutcome } from '@airlock/core/gateway';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApiContext } from './context.js';
import type { ActionOutcome } from './schemas.js';

/**
 * Waits up to `waitMs` for the workflow's result; null when time runs out or the
 * caller goes away (both abort the long poll, so no RPC outlives the request).
 */
export async function waitForOutcome(ctx: ApiContext, actionId: string, waitMs: number, callerGone: AbortSignal): Promise<ActionOutcome | null> {
  const signal = AbortSignal.any([AbortSignal.timeout(waitMs), callerGone]);
  try {
    return await ctx.temporal.withAbortSignal(signal, () => awaitOutcome(ctx.temporal, actionId));
  } catch (error) {
    if (signal.aborted) return null;
    // Terminated or failed outside the workflow's own handling: still a final answer for the agent.
    if (error instanceof WorkflowFailedError) return { status: 'failed', actionId, error: `the action's workflow ended without an outcome: ${error.message}` };
    throw error;
  }
}
