import { performance } from 'node:perf_hooks';
import type { Logger } from '@airlock/telemetry';
import { onShutdownSignals } from './signals.js';

interface StopStep {
  name: string;
  stop(): Promise<void>;
}

export interface LifecycleOptions {
  /** What the process is called in its own messages ("Airlock", "Airlock worker"). */
  name: string;
  logger: Logger;
  /** The second Ctrl-C: kill what is left, synchronously, before exiting. */
  onForce?: () => void;
}

/**
 * Start-up, then shutdown in reverse order of start-up: each component registers
 * how to stop it as soon as it has started, so a failed or interrupted start-up
 * stops exactly what was started. A first Ctrl-C / SIGTERM stops everything in
 * order and exits 0; a second one forces.
 */
export class Lifecycle {
  private readonly abortController = new AbortController();
  private readonly steps: StopStep[] = [];
  private startup: Promise<unknown> = Promise.resolve();
  private stopping = false;

  constructor(private readonly options: LifecycleOptions) {}

  /** Aborted once shutdown begins: start-up waits give up early. */
  get signal(): AbortSignal {
    return this.abortController.signal;
  }

  handleSignals(): void {
    onShutdownSignals({
      graceful: (signal) => this.shutdown(0, `${signal} received: stopping ${this.options.name} (Ctrl-C again to force)`),
      force: (signal) => {
        this.options.logger.warn(`${signal} received again: forcing exit`);
        // Lines still buffered would be lost by process.exit: say why it stopped short.
        this.options.logger.flush();
        this.options.onForce?.();
        process.exit(130);
      },
    });
  }

  onStop(name: string, stop: () => Promise<void>): void {
    this.steps.push({ name, stop });
  }

  /**
   * Runs start-up; on failure prints why and shuts down what had started (exit 1).
   * Resolves undefined when start-up failed or was interrupted by a shutdown.
   */
  async run<T>(startUp: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    const attempt = startUp(this.signal);
    this.startup = attempt.then(
      () => undefined,
      (error: unknown) => {
        if (!this.signal.aborted) this.fail(`start-up failed: ${errorMessage(error)}`);
      },
    );
    const result = await attempt.catch(() => undefined);
    return this.stopping ? undefined : result;
  }

  /** Something that should run as long as the process stopped by itself. */
  fail(message: string): void {
    if (this.stopping) return;
    this.options.logger.error(`${this.options.name}: ${message}`);
    this.shutdown(1);
  }

  shutdown(exitCode: number, reason?: string): void {
    if (this.stopping) return;
    this.stopping = true;
    if (reason) this.options.logger.info(reason);
    this.abortController.abort();
    void this.stopAll().then((clean) => process.exit(clean ? exitCode : Math.max(exitCode, 1)));
  }

  private async stopAll(): Promise<boolean> {
    const begun = performance.now();
    // Let an interrupted start-up settle first so everything it started is registered.
    await this.startup;
    let clean = true;
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      const stepBegun = performance.now();
      try {
        await step.stop();
        this.options.logger.info(`stopped ${step.name} (${elapsed(stepBegun)})`);
      } catch (error) {
        clean = false;
        this.options.logger.error({ err: error }, `could not stop ${step.name}: ${errorMessage(error)}`);
      }
    }
    this.options.logger.info(`${this.options.name} stopped (${elapsed(begun)}).`);
    // Lines still buffered would be lost by process.exit.
    this.options.logger.flush();
    return clean;
  }
}

export function elapsed(since: number): string {
  const ms = performance.now() - since;
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
