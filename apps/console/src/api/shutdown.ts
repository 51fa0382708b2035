/**
 * Fires when the console is told to stop (SIGTERM, SIGINT). `next start` then closes its server,
 * which waits for every request in flight: a long poll (an outcome wait, up to 30 s) held the stop
 * that long, and the launcher's 10 s grace ran out before it. Long polls end on this signal with
 * their "still pending" answer (the SDK and the clients ask again once the console is back).
 * Outside `next start` (tests, the benchmark calling the handlers) nothing aborts it.
 */
export function consoleStopping(): AbortSignal {
  return stopController().signal;
}

/**
 * Called once from instrumentation.ts in the `next start` process, where Next.js's own handlers
 * close the server on these signals (ours only ends the long polls first). Never in a process
 * without handlers of its own: a listener there would keep the signal from ending it.
 */
export function endLongPollsOnStop(): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stopController().abort());
}

// On globalThis: instrumentation and the route handlers are bundled apart, each with its own copy of this module.
const holder = globalThis as typeof globalThis & { airlockConsoleStop?: AbortController };
function stopController(): AbortController {
  holder.airlockConsoleStop ??= new AbortController();
  return holder.airlockConsoleStop;
}
