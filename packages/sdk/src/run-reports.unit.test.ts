import { InvalidRequestError } from '@airlock/core/portable';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Airlock } from './airlock.js';
import type { AgentRunReport } from './gate.js';
import { AirlockApiError } from './rest-transport.js';
import { AirlockReportError, createRunReports, runErrorText } from './run-reports.js';
import { UnansweredClaims } from './run-start.js';

const report: AgentRunReport = { authorizationId: 'auth-1', args: { paymentId: 'pay_1' }, status: 'succeeded', output: { refundId: 're_1' } };

/** Airlock's answer to each report: `answer` gives an error to throw, or nothing to take it. */
function fakeAirlock(answer: (attempt: number) => Error | undefined = () => undefined) {
  const sent: string[] = [];
  const airlock = {
    report: (actionId: string) => {
      sent.push(actionId);
      const error = answer(sent.length);
      return error ? Promise.reject(error) : Promise.resolve({ status: 'executed', actionId, output: null });
    },
  } as unknown as Airlock;
  return { airlock, sent };
}

/** The run reports of one adapter, and what its `onReportError` was told. */
function runReports() {
  const told: AirlockReportError[] = [];
  const reports = createRunReports<string>();
  const onReportError = (error: AirlockReportError) => told.push(error);
  const settle = (airlock: Airlock, actionId = 'act-1', run = report) =>
    reports.settle(airlock, { actionId, toolName: 'refund', report: run, outcome: `answer of ${actionId}` }, onReportError);
  const replay = (airlock: Airlock, actionId = 'act-1') => reports.replay(airlock, actionId, onReportError);
  return { settle, replay, told };
}

// The retry waits are timers; fake ones (and a fake clock for the 30 s deadline) run them at once.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a report Airlock takes', () => {
  it('is sent once, nothing is told, and the run is not kept', async () => {
    const { airlock, sent } = fakeAirlock();
    const { settle, replay, told } = runReports();

    await settle(airlock);
    expect(sent).toEqual(['act-1']);
    expect(told).toEqual([]);
    expect(await replay(airlock)).toBeUndefined();
    expect(sent).toEqual(['act-1']);
  });
});

describe('a report that meets a network error or a 502/503/504', () => {
  it.each([
    ['unreachable', new AirlockApiError(0, 'unreachable', 'cannot reach Airlock')],
    ['502', new AirlockApiError(502, 'bad_gateway', 'proxy')],
    ['503', new AirlockApiError(503, 'unavailable', 'Temporal is not answering')],
    ['504', new AirlockApiError(504, 'gateway_timeout', 'proxy')],
    ['a connection reset while the body is read', new AirlockApiError(0, 'unreachable', 'lost the connection to Airlock while reading the answer')],
  ])('%s: is sent again until Airlock takes it, and nothing is told', async (_name, error) => {
    const { airlock, sent } = fakeAirlock((attempt) => (attempt <= 2 ? error : undefined));
    const { settle, replay, told } = runReports();

    const settled = settle(airlock);
    await vi.runAllTimersAsync();
    await settled;
    expect(sent).toHaveLength(3);
    expect(told).toEqual([]);
    expect(await replay(airlock)).toBeUndefined();
  });

  it('is given up after 30 s: the report error is told, and the run kept for the same call again', async () => {
    const unavailable = new AirlockApiError(503, 'unavailable', 'Temporal is not answering');
    const { airlock, sent } = fakeAirlock(() => unavailable);
    const { settle, told } = runReports();
    const start = Date.now();

    const settled = settle(airlock);
    await vi.runAllTimersAsync();
    await settled;
    expect(told).toHaveLength(1);
    expect(told[0]?.cause).toBe(unavailable);
    // Sent again, waits doubling up to 4 s, until the next wait would pass the 30 s deadline (fake clock).
    expect(Date.now() - start).toBeLessThanOrEqual(30_000);
    expect(Date.now() - start).toBeGreaterThan(26_000);
    expect(sent.length).toBeGreaterThan(3);
  });
});

describe('a report Airlock refuses', () => {
  it('is not sent again; the report error names the tool, what ran and the action, with the cause', async () => {
    const refused = new InvalidRequestError('output.receipt: must not contain NUL characters');
    const { airlock, sent } = fakeAirlock(() => refused);
    const { settle, told } = runReports();

    await settle(airlock);
    expect(sent).toEqual(['act-1']);
    expect(told).toHaveLength(1);
    expect(told[0]).toBeInstanceOf(AirlockReportError);
    expect(told[0]).toMatchObject({ name: 'AirlockReportError', actionId: 'act-1', toolName: 'refund', ran: 'succeeded', cause: refused });
    expect(told[0]?.message).toMatch(/^refund succeeded, but Airlock did not record it \(action act-1\): .*NUL/);
  });

  it('says a failed run failed', async () => {
    const { airlock } = fakeAirlock(() => new AirlockApiError(500, 'internal', 'boom'));
    const { settle, told } = runReports();

    await settle(airlock, 'act-1', { authorizationId: 'auth-1', args: {}, status: 'failed', error: 'card declined' });
    expect(told.map((e) => e.ran)).toEqual(['failed']);
    expect(told[0]?.message).toBe('refund failed, but Airlock did not record it (action act-1): boom');
  });

  it('keeps the run: the same call again gets the first answer and sends the report again, until Airlock takes it', async () => {
    const { airlock, sent } = fakeAirlock((attempt) => (attempt <= 2 ? new AirlockApiError(500, 'internal', 'boom') : undefined));
    const { settle, replay, told } = runReports();

    await settle(airlock);
    expect(await replay(airlock)).toEqual({ outcome: 'answer of act-1' });
    expect(told).toHaveLength(2);
    expect(await replay(airlock)).toEqual({ outcome: 'answer of act-1' });
    expect(sent).toEqual(['act-1', 'act-1', 'act-1']);
    expect(told).toHaveLength(2);
    // Taken at last: no longer this process's to answer (Airlock has the run).
    expect(await replay(airlock)).toBeUndefined();
  });
});

describe('the unreported runs kept', () => {
  it('are per client: another client never answers with this one’s run', async () => {
    const { airlock } = fakeAirlock(() => new AirlockApiError(500, 'internal', 'boom'));
    const other = fakeAirlock();
    const { settle, replay } = runReports();

    await settle(airlock);
    expect(await replay(other.airlock)).toBeUndefined();
    expect(other.sent).toEqual([]);
  });

  it('are at most 1,000 per client: the oldest is dropped for a new one', async () => {
    const { airlock } = fakeAirlock(() => new AirlockApiError(500, 'internal', 'boom'));
    const { settle, replay } = runReports();

    for (let i = 0; i <= 1_000; i++) await settle(airlock, `act-${i}`);
    expect(await replay(airlock, 'act-0')).toBeUndefined();
    expect(await replay(airlock, 'act-1')).toEqual({ outcome: 'answer of act-1' });
    expect(await replay(airlock, 'act-1000')).toEqual({ outcome: 'answer of act-1000' });
  });
});

describe('the claim before a run (start)', () => {
  /** Airlock's answer to each claim: `answer` gives an error to throw, or nothing to take it. */
  function claimingAirlock(answer: (attempt: number) => Error | undefined) {
    const runners: string[] = [];
    const airlock = {
      claimRun: (actionId: string, claim: { authorizationId: string; runnerId: string }) => {
        runners.push(claim.runnerId);
        const error = answer(runners.length);
        return error ? Promise.reject(error) : Promise.resolve({ status: 'claimed', actionId, ...claim, claimedAt: '2030-01-01T00:00:00.000Z' });
      },
    } as unknown as Airlock;
    return { airlock, runners };
  }
  const start = (airlock: Airlock) => createRunReports<string>().start(airlock, 'act-1', 'refund', 'auth-1');

  it('taken: the tool may run; sent again through network errors with the same runner id', async () => {
    const { airlock, runners } = claimingAirlock((attempt) => (attempt <= 2 ? new AirlockApiError(503, 'unavailable', 'down') : undefined));
    const started = start(airlock);
    await vi.runAllTimersAsync();
    expect(await started).toEqual({ run: true, runnerId: runners[0] });
    expect(runners).toHaveLength(3);
    expect(new Set(runners).size).toBe(1);
    // Each attempt of a run has a runner id of its own.
    const other = claimingAirlock(() => undefined);
    await start(other.airlock);
    expect(other.runners[0]).not.toBe(runners[0]);
  });

  it('claimed by another run: not run, with the text for the model', async () => {
    const { airlock } = claimingAirlock(() => new AirlockApiError(409, 'conflict', 'the run was already claimed by another runner at 2030-01-01T00:00:00.000Z'));
    expect(await start(airlock)).toEqual({
      run: false,
      claimedElsewhere: true,
      text: 'refund was not run here: this call was already started by another run (the run was already claimed by another runner at 2030-01-01T00:00:00.000Z), and its result is not known here. It shows in Airlock (action act-1) once that run reports it; do not call refund again for this.',
    });
  });

  it('an authorization no longer usable: not run, Airlock’s refusal for the model', async () => {
    const { airlock } = claimingAirlock(() => new AirlockApiError(409, 'decision_rejected', 'the authorization is no longer usable (expired, revoked or cancelled)'));
    expect(await start(airlock)).toEqual({
      run: false,
      claimedElsewhere: false,
      text: 'Airlock refused refund: the authorization is no longer usable (expired, revoked or cancelled)',
    });
  });

  it('any other error, or network errors past 30 s, is thrown: the tool does not run', async () => {
    const unauthorized = new AirlockApiError(401, 'unauthenticated', 'unknown key');
    await expect(start(claimingAirlock(() => unauthorized).airlock)).rejects.toBe(unauthorized);
    const down = new AirlockApiError(503, 'unavailable', 'down');
    const started = start(claimingAirlock(() => down).airlock);
    const thrown = expect(started).rejects.toBe(down);
    await vi.runAllTimersAsync();
    await thrown;
  });

  it('the same call again after a claim that got no answer: claims as the same runner, whose claim may have been recorded', async () => {
    const down = new AirlockApiError(503, 'unavailable', 'down');
    let up = false;
    const { airlock, runners } = claimingAirlock(() => (up ? undefined : down));
    const reports = createRunReports<string>();
    const first = reports.start(airlock, 'act-1', 'refund', 'auth-1');
    const thrown = expect(first).rejects.toBe(down);
    await vi.runAllTimersAsync();
    await thrown;

    up = true;
    expect(await reports.start(airlock, 'act-1', 'refund', 'auth-1')).toEqual({ run: true, runnerId: runners[0] });
    expect(new Set(runners).size).toBe(1);
    // Answered now: a later call (another run of the tool, say) is a runner of its own again.
    await reports.start(airlock, 'act-1', 'refund', 'auth-1');
    expect(runners.at(-1)).not.toBe(runners[0]);
    // Another action's claim is no retry of this one.
    await reports.start(airlock, 'act-2', 'refund', 'auth-2');
    expect(runners.at(-1)).not.toBe(runners[0]);
  });

  it('unanswered claims are bounded: past the limit the oldest is forgotten, and its retry claims as a new runner', async () => {
    const down = new AirlockApiError(401, 'unauthenticated', 'unknown key');
    let up = false;
    const { airlock, runners } = claimingAirlock(() => (up ? undefined : down));
    const claims = new UnansweredClaims(1);
    await expect(claims.start(airlock, 'act-1', 'refund', 'auth-1')).rejects.toBe(down);
    await expect(claims.start(airlock, 'act-2', 'refund', 'auth-2')).rejects.toBe(down);
    up = true;
    await claims.start(airlock, 'act-2', 'refund', 'auth-2');
    expect(runners[2]).toBe(runners[1]);
    await claims.start(airlock, 'act-1', 'refund', 'auth-1');
    expect(runners[3]).not.toBe(runners[0]);
  });
});

describe('runErrorText: a tool’s error as its report carries it', () => {
  it('is the whole message: the server cuts a long one with a marker and records the cut', () => {
    expect(runErrorText(new Error(`${'a'.repeat(3999)}\u{1F600} upstream said no`))).toBe(`${'a'.repeat(3999)}\u{1F600} upstream said no`);
    expect(runErrorText('card declined')).toBe('card declined');
    expect(runErrorText(new Error(''))).toBe('the tool failed');
  });
});
