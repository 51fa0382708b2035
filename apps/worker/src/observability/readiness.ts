import type { Db } from '@airlock/db';
import type { Worker } from '@temporalio/worker';

/** One condition for `/readyz`: resolves when it holds, rejects with the reason when not. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** Polling its task queue; the getter returns undefined while start-up is still under way. */
export function workerRunning(current: () => Worker | undefined): ReadinessCheck {
  return {
    name: 'worker',
    async check() {
      const state = current()?.getState();
      if (state !== 'RUNNING') throw new Error(state ? `state ${state}` : 'not started yet');
    },
  };
}

/**
 * One `SELECT 1` through the pool, bounded: an unreachable database makes pg
 * wait for a connection indefinitely, and a probe must answer in time.
 */
export function databaseReachable(current: () => Db | undefined, timeoutMs = 2_000): ReadinessCheck {
  return {
    name: 'database',
    async check() {
      const db = current();
      if (!db) throw new Error('not connected yet');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([db.pool.query('SELECT 1'), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Every check, side by side; the reasons of those that failed. */
export async function unmetChecks(checks: readonly ReadinessCheck[]): Promise<string[]> {
  const results = await Promise.allSettled(checks.map((c) => c.check()));
  return results.flatMap((result, i) =>
    result.status === 'fulfilled' ? [] : [`${checks[i]!.name}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`],
  );
}
