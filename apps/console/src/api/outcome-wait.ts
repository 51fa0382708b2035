import { setMaxListeners } from 'node:events';
import { awaitOutcome } from '@airlock/core/gateway';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApiContext } from './context.js';
import { consoleStopping } from './shutdown.js';
import type { ActionOutcome } from './schemas.js';

/**
 * Waits up to `waitMs` for the workflow's result; null when time runs out, the
 * caller goes away or the console is told to stop (shutdown.ts).
 *
 * An abort signal alone did not bound it (issue 11, item 8): the signal cancels
 * only a call's first attempt. After a restart the first long poll meets an
 * unavailable server and the SDK's gRPC retry interceptor sends a new attempt the
 * signal cannot reach; once the signal has fired, every further long poll of
 * `result()` is started with an already-aborted signal, whose listener never
 * runs. So the wait also carries a gRPC deadline (every attempt and every later
 * call inherits it) and, as the last word, a timer the answer never outlives.
 * The deadline falls DEADLINE_MARGIN_MS after the wait, not at its end (below).
 */
export async function waitForOutcome(ctx: ApiContext, actionId: string, waitMs: number, callerGone: AbortSignal): Promise<ActionOutcome | null> {
  const deadline = Date.now() + waitMs;
  const signal = outcomeWaitSignal(waitMs, callerGone);
  const result = ctx.temporal.withDeadline(deadline + DEADLINE_MARGIN_MS, () => ctx.temporal.withAbortSignal(signal, () => awaitOutcome(ctx.temporal, actionId)));
  let stop: (() => void) | undefined;
  const ended = new Promise<null>((resolve) => {
    const done = () => resolve(null);
    signal.addEventListener('abort', done, { once: true });
    stop = () => signal.removeEventListener('abort', done);
    if (signal.aborted) done();
  });
  try {
    return await Promise.race([result, ended]);
  } catch (error) {
    if (signal.aborted || Date.now() >= deadline) return null;
    // Terminated or failed outside the workflow's own handling: still a final answer for the agent.
    if (error instanceof WorkflowFailedError) return { status: 'failed', actionId, error: `the action's workflow ended without an outcome: ${error.message}` };
    throw error;
  } finally {
    stop?.();
    // The losing long poll ends by its deadline; its rejection is not an answer.
    result.catch(() => undefined);
  }
}

/**
 * How far the gRPC deadline outlives the wait. Temporal's frontend answers a history long poll
 * at once, empty, when less than a second is left before the call's deadline; with the deadline
 * at the wait's end, `result()` asked again and again through the wait's last second (about 650
 * requests in a 3 s wait on a pending action, measured, against 1 with no deadline). Past the
 * wait, the long poll is still held when the abort ends it at `waitMs`; an attempt the abort
 * cannot reach (see above) ends by the deadline, its last second's requests being the rare case.
 */
export const DEADLINE_MARGIN_MS = 2_000;

/**
 * Long polls one wait may make: the SDK's `result()` asks for the history again each time the
 * workflow appends events (a 20-step plan running during a 30 s wait appends a few hundred), and
 * the client adds an 'abort' listener to the call's signal for every request it sends under it,
 * never removing one (`@temporalio/client`, connection.js). They go with the signal when the wait
 * ends; past this many Node warns of a leak, which would then be a runaway loop, not a wait.
 */
export const MAX_POLLS_PER_WAIT = 1_000;

/**
 * Fires at `waitMs`, when the caller goes away or when the console is told to stop, whichever is
 * first; takes the SDK's listener per request (above).
 */
export function outcomeWaitSignal(waitMs: number, callerGone: AbortSignal, stopping: AbortSignal = consoleStopping()): AbortSignal {
  const signal = AbortSignal.any([AbortSignal.timeout(waitMs), callerGone, stopping]);
  setMaxListeners(MAX_POLLS_PER_WAIT, signal);
  return signal;
}
