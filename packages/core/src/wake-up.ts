/**
 * The wait between passes of an audit tail (the Slack notifier's, the SIEM
 * exporter's, the webhook dispatcher's) or between reads of an agent's
 * authorization wait: a poll interval that a NOTIFY, a lost connection or a
 * stop ends early. A wake-up while no one sleeps is kept, so the next sleep returns at once
 * and no notification is missed between two passes.
 */
export class WakeUp {
  private pending = false;
  private wakeSleeper: (() => void) | undefined;

  wake(): void {
    if (this.wakeSleeper) this.wakeSleeper();
    else this.pending = true;
  }

  /** Forgets a kept wake-up: after a failure the next sleep backs off in full, whatever woke us meanwhile. */
  forget(): void {
    this.pending = false;
  }

  /** Resolves after `ms`, at a wake-up, or at once when one is kept or `stopped`. */
  sleep(ms: number, stopped = false): Promise<void> {
    if (this.pending || stopped) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleeper = done;
    });
  }
}
