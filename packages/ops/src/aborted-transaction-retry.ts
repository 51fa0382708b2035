import { setTimeout as sleep } from 'node:timers/promises';
import { sqlState } from '@airlock/db/transaction';

/**
 * Deadlock detected (40P01) and serialization failure (40001): PostgreSQL has
 * rolled the whole transaction back, and the same work run again can commit.
 * Every other error (a unique violation, a refusal) would only fail again.
 */
const ABORTED_TRANSACTION_STATES: ReadonlySet<string> = new Set(['40P01', '40001']);

export function isAbortedTransaction(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && ABORTED_TRANSACTION_STATES.has(state);
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The wait before the second attempt is in [base/2, base); each later one doubles. */
  baseDelayMs: number;
  random: () => number;
  sleep: (ms: number) => Promise<unknown>;
}

// Short: the transaction that won the deadlock is already running on, and an operator is waiting for the answer.
export const ABORTED_TRANSACTION_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 20, random: Math.random, sleep };

/**
 * The wait after the `failedAttempts`-th attempt failed: half the doubled base,
 * plus a random part of up to as much again, so two transactions that deadlocked
 * together do not start again in step.
 */
export function backoffMs(failedAttempts: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'random'> = ABORTED_TRANSACTION_RETRY): number {
  const ceiling = policy.baseDelayMs * 2 ** (failedAttempts - 1);
  return ceiling / 2 + (ceiling / 2) * policy.random();
}

/**
 * Runs `attempt` (one whole transaction: BEGIN to COMMIT) again after a deadlock
 * or serialization failure, up to `maxAttempts` in all, and rethrows anything
 * else at once. `attempt` calls `final()` once something outside the database
 * has seen its work (an audit observer told of a row): a failure after that is
 * not retried, so nothing outside is told twice.
 */
export async function retryAbortedTransaction<T>(attempt: (final: () => void) => Promise<T>, policy: RetryPolicy = ABORTED_TRANSACTION_RETRY): Promise<T> {
  for (let attempts = 1; ; attempts++) {
    const seen = { outside: false };
    try {
      return await attempt(() => {
        seen.outside = true;
      });
    } catch (error) {
      if (seen.outside || attempts >= policy.maxAttempts || !isAbortedTransaction(error)) throw error;
      await policy.sleep(backoffMs(attempts, policy));
    }
  }
}
