import { Context } from '@temporalio/activity';

/**
 * Runs `work`, heartbeating every second until it settles. The activities proxied with a heartbeat timeout
 * (TOOL_HEARTBEAT_TIMEOUT in workflows/src/activities.ts: 10 s) are then timed out only when their worker is gone,
 * never because one of their steps outlasted it: admission's writes waiting on the audit chain's lock, a run's
 * claim, the tool, the recording after it. Heartbeats also bring a cancellation (the kill switch) to the attempt
 * (the Context's cancellationSignal, which the tool is handed). Nested calls (admitAndRun runs runTool's body) beat once.
 */
export async function heartbeatingWhile<T>(work: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  if (beating.has(ctx)) return work();
  beating.add(ctx);
  const beat = setInterval(() => ctx.heartbeat(), 1_000);
  try {
    return await work();
  } finally {
    clearInterval(beat);
    beating.delete(ctx);
  }
}

/** The attempts heartbeating now (one Context per attempt). */
const beating = new WeakSet<Context>();
