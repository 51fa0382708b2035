import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retries `attempt` while Temporal or PostgreSQL is restarting (any error that
 * `isFinal` does not claim), backing off up to 2 s, until `giveUpAfterMs`.
 * Every call it wraps must be idempotent: an attempt may have succeeded on the
 * server even though its answer was lost.
 */
export async function retryThroughOutages<T>(attempt: () => Promise<T>, isFinal: (error: unknown) => boolean, giveUpAfterMs: number): Promise<{ value: T; attempts: number }> {
  const giveUpAt = Date.now() + giveUpAfterMs;
  let delay = 100;
  for (let attempts = 1; ; attempts++) {
    try {
      return { value: await attempt(), attempts };
    } catch (error) {
      if (isFinal(error) || Date.now() > giveUpAt) throw error;
      await sleep(delay);
      delay = Math.min(2_000, delay * 2);
    }
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** `promise`, or a rejection naming `what` after `ms` (the timer is cleared either way). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const abort = new AbortController();
  try {
    return await Promise.race([promise, sleep(ms, undefined, { signal: abort.signal }).then(() => Promise.reject(new Error(`${what}: no answer within ${ms} ms`)))]);
  } finally {
    abort.abort();
  }
}
