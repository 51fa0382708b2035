import { CircuitBreakers, CircuitOpenError } from '@airlock/tools';
import { describe, expect, it } from 'vitest';

/** A breaker on a hand-moved clock: states change only when the test says time passed. */
function breakerAt(start = 1_000) {
  const clock = { now: start };
  const breakers = new CircuitBreakers({ failureThreshold: 3, cooldownMs: 5_000 }, () => clock.now);
  let calls = 0;
  const fail = () =>
    breakers.run('api', async () => {
      calls++;
      throw new Error('upstream 503');
    });
  const succeed = () =>
    breakers.run('api', async () => {
      calls++;
      return 'ok';
    });
  return { clock, breakers, fail, succeed, calls: () => calls };
}

describe('circuit breaker', () => {
  it('closed → open after N consecutive failures → half-open after the cool-down → closed on a successful probe', async () => {
    const b = breakerAt();
    expect(b.breakers.state('api').state).toBe('closed');
    for (let i = 0; i < 3; i++) await expect(b.fail()).rejects.toThrow('upstream 503');
    expect(b.breakers.state('api')).toEqual({ key: 'api', state: 'open', consecutiveFailures: 3, nextProbeAt: 6_000, lastError: 'upstream 503' });

    // Open: fast-fails without calling, with a message written for the agent.
    await expect(b.succeed()).rejects.toThrow(CircuitOpenError);
    await expect(b.succeed()).rejects.toThrow(/circuit open for api: 3 consecutive failures \(last: upstream 503\)\. Not attempted\. Fallback: .*try again in about 5s/);
    expect(b.calls()).toBe(3);

    b.clock.now += 5_000;
    expect(b.breakers.state('api').state).toBe('half_open');
    await expect(b.succeed()).resolves.toBe('ok');
    expect(b.breakers.state('api')).toMatchObject({ state: 'closed', consecutiveFailures: 0, nextProbeAt: null, lastError: null });
    expect(b.calls()).toBe(4);
  });

  it('a failed probe re-opens for another cool-down', async () => {
    const b = breakerAt();
    for (let i = 0; i < 3; i++) await expect(b.fail()).rejects.toThrow();
    b.clock.now += 5_000;
    await expect(b.fail()).rejects.toThrow('upstream 503');
    expect(b.breakers.state('api')).toMatchObject({ state: 'open', nextProbeAt: b.clock.now + 5_000 });
    await expect(b.succeed()).rejects.toThrow(CircuitOpenError);
  });

  it('lets one probe through at a time while half-open', async () => {
    const b = breakerAt();
    for (let i = 0; i < 3; i++) await expect(b.fail()).rejects.toThrow();
    b.clock.now += 5_000;
    let release: (value: string) => void = () => undefined;
    const probe = b.breakers.run('api', () => new Promise<string>((resolve) => (release = resolve)));
    await expect(b.succeed()).rejects.toThrow(CircuitOpenError);
    release('probe ok');
    await expect(probe).resolves.toBe('probe ok');
    expect(b.breakers.state('api').state).toBe('closed');
  });

  it('a success resets the count; failures that do not count leave it alone; keys are independent', async () => {
    const b = breakerAt();
    await expect(b.fail()).rejects.toThrow();
    await expect(b.fail()).rejects.toThrow();
    await b.succeed();
    await expect(b.fail()).rejects.toThrow();
    expect(b.breakers.state('api')).toMatchObject({ state: 'closed', consecutiveFailures: 1 });

    const refused = () =>
      b.breakers.run(
        'other',
        async () => {
          throw new Error('not allowlisted');
        },
        () => false,
      );
    for (let i = 0; i < 5; i++) await expect(refused()).rejects.toThrow('not allowlisted');
    expect(b.breakers.state('other')).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(b.breakers.snapshot().map((s) => s.key)).toEqual(['api', 'other']);
  });
});
