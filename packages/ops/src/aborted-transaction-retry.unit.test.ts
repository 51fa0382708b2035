import { describe, expect, it } from 'vitest';
import { ABORTED_TRANSACTION_RETRY, backoffMs, isAbortedTransaction, retryAbortedTransaction, type RetryPolicy } from './aborted-transaction-retry.js';
import { OpsError } from './errors.js';

// Which failures of an operator's transaction are run again, how often, and how
// long apart. The waits are recorded, not slept: the policy's sleep is injected.

/** A server error as pg raises it: the SQLSTATE in `code`. */
const serverError = (code: string) => Object.assign(new Error(`server error ${code}`), { code });

function recordingPolicy(random = () => 0.5): RetryPolicy & { waits: number[] } {
  const waits: number[] = [];
  return { ...ABORTED_TRANSACTION_RETRY, random, waits, sleep: async (ms) => waits.push(ms) };
}

/** An attempt that throws each of `errors` in turn, then returns the number of attempts made. */
function failingWith(...errors: unknown[]) {
  let attempts = 0;
  const attempt = async () => {
    attempts++;
    if (attempts <= errors.length) throw errors[attempts - 1];
    return attempts;
  };
  return { attempt, attempts: () => attempts };
}

describe('isAbortedTransaction', () => {
  it('is true for a deadlock (40P01) and a serialization failure (40001) only', () => {
    expect(isAbortedTransaction(serverError('40P01'))).toBe(true);
    expect(isAbortedTransaction(serverError('40001'))).toBe(true);
    for (const code of ['23505', '23503', '40002', '40003', '55P03', '57014', '08006', '']) expect(isAbortedTransaction(serverError(code))).toBe(false);
    expect(isAbortedTransaction(new OpsError('conflict', 'taken'))).toBe(false);
    expect(isAbortedTransaction(new Error('deadlock detected'))).toBe(false);
    expect(isAbortedTransaction(undefined)).toBe(false);
  });
});

describe('retryAbortedTransaction', () => {
  it('runs the transaction again after a deadlock and after a serialization failure, and returns what the attempt that committed returned', async () => {
    const policy = recordingPolicy();
    const run = failingWith(serverError('40P01'), serverError('40001'));
    expect(await retryAbortedTransaction(run.attempt, policy)).toBe(3);
    expect(run.attempts()).toBe(3);
    expect(policy.waits).toHaveLength(2);
  });

  it('makes four attempts at most, then throws the last failure', async () => {
    const policy = recordingPolicy();
    const last = serverError('40P01');
    const run = failingWith(serverError('40P01'), serverError('40001'), serverError('40P01'), last, serverError('40P01'));
    await expect(retryAbortedTransaction(run.attempt, policy)).rejects.toBe(last);
    expect(ABORTED_TRANSACTION_RETRY.maxAttempts).toBe(4);
    expect(run.attempts()).toBe(4);
    expect(policy.waits).toHaveLength(3);
  });

  it.each([
    ['a unique violation (23505)', serverError('23505')],
    ['a foreign-key violation (23503)', serverError('23503')],
    ['a lock timeout (55P03)', serverError('55P03')],
    ['a refusal of the use case', new OpsError('invalid', 'name: must not be empty', [{ path: 'name', message: 'must not be empty' }])],
    ['an error without a SQLSTATE', new Error('connection terminated')],
  ])('never runs the transaction again after %s', async (_name, error) => {
    const policy = recordingPolicy();
    const run = failingWith(error);
    await expect(retryAbortedTransaction(run.attempt, policy)).rejects.toBe(error);
    expect(run.attempts()).toBe(1);
    expect(policy.waits).toEqual([]);
  });

  it('does not run again once the attempt said something outside the database saw its work', async () => {
    const policy = recordingPolicy();
    let attempts = 0;
    const deadlock = serverError('40P01');
    const attempt = async (final: () => void) => {
      attempts++;
      final();
      throw deadlock;
    };
    await expect(retryAbortedTransaction(attempt, policy)).rejects.toBe(deadlock);
    expect(attempts).toBe(1);
  });

  it('waits between attempts by the backoff, with its random part', async () => {
    const policy = recordingPolicy(() => 0.25);
    const run = failingWith(serverError('40P01'), serverError('40P01'), serverError('40P01'));
    await retryAbortedTransaction(run.attempt, policy);
    expect(policy.waits).toEqual([1, 2, 3].map((n) => backoffMs(n, policy)));
  });
});

describe('backoffMs', () => {
  it('lies in [base × 2^(n−1) / 2, base × 2^(n−1)) after the n-th failure', () => {
    const base = ABORTED_TRANSACTION_RETRY.baseDelayMs;
    for (const n of [1, 2, 3]) {
      const ceiling = base * 2 ** (n - 1);
      expect(backoffMs(n, { baseDelayMs: base, random: () => 0 })).toBe(ceiling / 2);
      expect(backoffMs(n, { baseDelayMs: base, random: () => 0.999_999 })).toBeLessThan(ceiling);
      for (let i = 0; i < 100; i++) {
        const wait = backoffMs(n);
        expect(wait).toBeGreaterThanOrEqual(ceiling / 2);
        expect(wait).toBeLessThan(ceiling);
      }
    }
  });

  it('keeps the whole wait of a request that fails four times short (under 150 ms with the default base)', () => {
    const worst = [1, 2, 3].reduce((sum, n) => sum + backoffMs(n, { baseDelayMs: ABORTED_TRANSACTION_RETRY.baseDelayMs, random: () => 0.999_999 }), 0);
    expect(worst).toBeLessThan(150);
  });
});
