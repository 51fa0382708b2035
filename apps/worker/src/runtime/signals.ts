const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

// One Ctrl-C can arrive more than once: the terminal signals the whole process
// group and npm and tsx forward it as well. Repeats this close together are the same press.
// On a busy machine the forwarded copies were seen arriving more than 500 ms late,
// which forced an exit in the middle of a clean stop; a deliberate second press comes later.
const SAME_PRESS_MS = 2_000;

export interface ShutdownSignalHandlers {
  /** The first Ctrl-C / SIGTERM: stop everything in order. */
  graceful(signal: NodeJS.Signals): void;
  /** A second one: stop waiting. */
  force(signal: NodeJS.Signals): void;
}

export function onShutdownSignals(handlers: ShutdownSignalHandlers): void {
  let firstAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (firstAt === undefined) {
      firstAt = now;
      handlers.graceful(signal);
    } else if (now - firstAt >= SAME_PRESS_MS) {
      handlers.force(signal);
    }
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
}
