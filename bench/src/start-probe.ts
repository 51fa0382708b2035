import { performance } from 'node:perf_hooks';

/** Records, in this process, the moment a tool body starts (performance.now(), same clock as the caller). */
export class StartProbe {
  private readonly started = new Map<string, number>();
  private readonly waiters = new Map<string, (at: number) => void>();

  mark(actionId: string): void {
    const at = performance.now();
    const waiter = this.waiters.get(actionId);
    if (waiter) {
      this.waiters.delete(actionId);
      waiter(at);
    } else this.started.set(actionId, at);
  }

  /** Resolves with the start time; rejects after `timeoutMs`. */
  waitFor(actionId: string, timeoutMs = 30_000): Promise<number> {
    const at = this.started.get(actionId);
    if (at !== undefined) {
      this.started.delete(actionId);
      return Promise.resolve(at);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(actionId);
        reject(new Error(`tool for ${actionId} never started`));
      }, timeoutMs);
      this.waiters.set(actionId, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
    });
  }
}
