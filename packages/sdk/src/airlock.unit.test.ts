import { InvalidRequestError, type PlanStep } from '@airlock/core/portable';
import { REPORT_BODY_MAX_BYTES } from '@airlock/core/report-storage';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Airlock, AuthorizationTimeoutError, DEFAULT_CHECK_AUTHORIZATION_TIMEOUT_MS } from './airlock.js';
import { AirlockApiError, isTransient } from './rest-transport.js';

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Answers like the API would: submitted, then executed. */
const submittedThenExecuted = (path: string): unknown => (path.endsWith('/outcome') ? { status: 'executed', actionId: 'a-1', output: null } : { actionId: 'a-1', created: true });

/** A REST client whose fetch records each request and answers with `answer(path)`. */
async function recordingClient(answer: (path: string) => unknown = submittedThenExecuted): Promise<{ airlock: Airlock; sent: Sent[] }> {
  const sent: Sent[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    sent.push({ method: init?.method ?? 'GET', path: url.pathname, headers: { ...(init?.headers as Record<string, string>) }, body });
    return Promise.resolve(new Response(JSON.stringify(answer(url.pathname)), { status: 200, headers: { 'content-type': 'application/json' } }));
  };
  return { airlock: await Airlock.connect({ url: 'http://airlock.test', apiKey: 'alk_test', fetch }), sent };
}

const submissions = (sent: Sent[]) => sent.filter((s) => s.method === 'POST' && s.path === '/api/v1/actions');

describe('the REST client names the agent only when the caller does (the key decides)', () => {
  it('start() and run() without agentId send no agent header and no agentId in the body', async () => {
    const { airlock, sent } = await recordingClient();
    await airlock.start({ tool: 'demo.echo', args: { message: 'hi' }, idempotencyKey: 'k1' });
    await airlock.run({ tool: 'demo.echo', args: { message: 'hi' }, idempotencyKey: 'k2' });
    const posted = submissions(sent);
    expect(posted).toHaveLength(2);
    for (const post of posted) {
      expect(post.headers).not.toHaveProperty('airlock-agent-id');
      expect(post.body).not.toHaveProperty('agentId');
    }
    expect(posted[0]?.body).toEqual({ tool: 'demo.echo', args: { message: 'hi' }, rationale: '', idempotencyKey: 'k1' });
  });

  it('an agentId given is sent in the header, for the server to check against the key', async () => {
    const { airlock, sent } = await recordingClient();
    await airlock.start({ agentId: 'billing-bot', tool: 'demo.echo', args: {}, idempotencyKey: 'k1' });
    expect(submissions(sent)[0]?.headers['airlock-agent-id']).toBe('billing-bot');
    expect(submissions(sent)[0]?.body).not.toHaveProperty('agentId');
  });

  it('tool(name) acts as the key’s agent; tool(agentId, name) still names it', async () => {
    const { airlock, sent } = await recordingClient();
    await airlock.tool<{ message: string }>('demo.echo')({ message: 'a' }, { idempotencyKey: 'k1' });
    await airlock.tool<{ message: string }>('billing-bot', 'demo.echo')({ message: 'b' }, { idempotencyKey: 'k2' });
    const [keyOnly, named] = submissions(sent);
    expect(keyOnly?.body).toMatchObject({ tool: 'demo.echo', args: { message: 'a' } });
    expect(keyOnly?.headers).not.toHaveProperty('airlock-agent-id');
    expect(named?.body).toMatchObject({ tool: 'demo.echo', args: { message: 'b' } });
    expect(named?.headers['airlock-agent-id']).toBe('billing-bot');
  });

  it('runPlan() without agentId submits the plan as the key’s agent', async () => {
    const { airlock, sent } = await recordingClient();
    await airlock.runPlan({ idempotencyKey: 'p1', steps: [{ tool: 'demo.echo', args: { message: 'one' } }] });
    const [plan] = submissions(sent);
    expect(plan?.body).toMatchObject({ tool: 'airlock.plan', args: { steps: [{ tool: 'demo.echo' }] } });
    expect(plan?.headers).not.toHaveProperty('airlock-agent-id');
  });

  it('a malformed agentId, when given, is refused before anything is sent, naming the field', async () => {
    const { airlock, sent } = await recordingClient();
    await expect(airlock.start({ agentId: '', tool: 'demo.echo', args: {}, idempotencyKey: 'k' })).rejects.toThrow(InvalidRequestError);
    await expect(airlock.start({ agentId: 'no spaces', tool: 'demo.echo', args: {}, idempotencyKey: 'k' })).rejects.toThrow(/agentId: letters, digits/);
    expect(sent).toEqual([]);
  });
});

describe('the REST client when no answer comes', () => {
  it('names the server it could not reach and why, instead of fetch’s bare "fetch failed"', async () => {
    const refused = () => Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') }));
    const airlock = await Airlock.connect({ url: 'http://127.0.0.1:1/', apiKey: 'alk_test', fetch: refused });
    const started = airlock.start({ tool: 'demo.echo', args: {}, idempotencyKey: 'k' });
    await expect(started).rejects.toThrow(AirlockApiError);
    await expect(started).rejects.toMatchObject({
      status: 0,
      code: 'unreachable',
      message: 'cannot reach Airlock at http://127.0.0.1:1 (POST /api/v1/actions): connect ECONNREFUSED 127.0.0.1:1',
    });
  });

  it('names the server and the call when something other than Airlock answers (a wrong port, a proxy page)', async () => {
    const answer = (body: string, status: number) => () => Promise.resolve(new Response(body, { status, headers: { 'content-type': 'text/html' } }));
    const page = await Airlock.connect({ url: 'http://localhost:8080/', apiKey: 'alk_test', fetch: answer('<h1>Not Found</h1>', 404) });
    await expect(page.start({ tool: 'demo.echo', args: {}, idempotencyKey: 'k' })).rejects.toMatchObject({
      status: 404,
      code: 'bad_response',
      message: "http://localhost:8080 answered POST /api/v1/actions with 404 and a body that is not JSON: is http://localhost:8080 Airlock's console?",
    });
    const json = await Airlock.connect({ url: 'http://localhost:8080', apiKey: 'alk_test', fetch: answer('{"detail":"nope"}', 404) });
    await expect(json.action('a-1').status()).rejects.toMatchObject({
      code: 'unknown',
      message: "http://localhost:8080 answered GET /api/v1/actions/a-1/status with 404 and no Airlock error in its body: is http://localhost:8080 Airlock's console?",
    });
  });

  it('a wait rides out a connection that fails, then gets the outcome', async () => {
    let calls = 0;
    const flaky = () => {
      calls += 1;
      if (calls === 1) return Promise.reject(new TypeError('fetch failed', { cause: new Error('read ECONNRESET') }));
      return Promise.resolve(new Response(JSON.stringify({ status: 'executed', actionId: 'a-1', output: null }), { status: 200 }));
    };
    const airlock = await Airlock.connect({ url: 'http://airlock.test', apiKey: 'alk_test', fetch: flaky });
    expect(await airlock.action('a-1').result()).toEqual({ status: 'executed', actionId: 'a-1', output: null });
    expect(calls).toBe(2);
  });
});

describe('what a wait asks again and what it throws', () => {
  const outcome = () => Promise.resolve(new Response(JSON.stringify({ status: 'executed', actionId: 'a-1', output: null }), { status: 200 }));
  /** An answer whose body breaks off as undici's does when the connection drops ("terminated"). */
  const cutAnswer = () => {
    const body = new ReadableStream({ start: (controller) => controller.error(new TypeError('terminated', { cause: new Error('other side closed') })) });
    return Promise.resolve(new Response(body, { status: 200 }));
  };

  it('a connection lost while the answer is read is unreachable, naming the server and the call', async () => {
    const airlock = await Airlock.connect({ url: 'http://airlock.test', apiKey: 'alk_test', fetch: cutAnswer });
    await expect(airlock.action('a-1').status()).rejects.toMatchObject({
      code: 'unreachable',
      message: 'lost the connection to Airlock at http://airlock.test while reading the answer to GET /api/v1/actions/a-1/status: other side closed',
    });
  });

  it('a wait asks again after such a cut and gets the outcome', async () => {
    let calls = 0;
    const once = () => (++calls === 1 ? cutAnswer() : outcome());
    const airlock = await Airlock.connect({ url: 'http://airlock.test', apiKey: 'alk_test', fetch: once });
    expect(await airlock.action('a-1').result()).toEqual({ status: 'executed', actionId: 'a-1', output: null });
    expect(calls).toBe(2);
  });

  it('a TypeError that is not the network (a bug) is not asked again for ever', () => {
    expect(isTransient(new TypeError('Cannot read properties of undefined'))).toBe(false);
    expect(isTransient(new AirlockApiError(0, 'unreachable', 'x'))).toBe(true);
    expect(isTransient(new AirlockApiError(503, 'unavailable', 'x'))).toBe(true);
    expect(isTransient(new AirlockApiError(409, 'conflict', 'x'))).toBe(false);
  });
});

describe('a malformed plan is bad input, refused before anything is sent', () => {
  it('names the step and field, and refuses an empty plan', async () => {
    const { airlock, sent } = await recordingClient();
    const missingArgs = [{ tool: 'demo.echo', args: {} }, { tool: 'demo.echo' }] as unknown as PlanStep[];
    await expect(airlock.runPlan({ idempotencyKey: 'p1', steps: missingArgs })).rejects.toThrow(/^invalid request: steps\.1\.args: /);
    await expect(airlock.runPlan({ idempotencyKey: 'p2', steps: [] })).rejects.toThrow(/^invalid request: steps: /);
    await expect(airlock.runPlan({ idempotencyKey: 'p3', steps: [{ tool: 'demo.echo', args: {}, note: 'x' } as PlanStep] })).rejects.toThrow(InvalidRequestError);
    expect(sent).toEqual([]);
  });
});

describe('a field the client does not know is refused before anything is sent, naming it (a typo must not vanish)', () => {
  // What a JavaScript caller, or one behind `as any`, can pass: no compiler catches these.
  const loose = <T>(value: Record<string, unknown>) => value as T;

  it('in start(), run(), runPlan() and tool() requests', async () => {
    const { airlock, sent } = await recordingClient();
    const typo = loose<Parameters<Airlock['start']>[0]>({ tool: 'demo.echo', args: { message: 'hi' }, idempotencyKey: 'k1', reasn: 'duplicate' });
    await expect(airlock.start(typo)).rejects.toThrow('invalid request: reasn: Unrecognized key: "reasn"');
    await expect(airlock.run(typo)).rejects.toThrow(/reasn: Unrecognized key/);
    // Gate-only fields belong to authorize(): the server would refuse them too.
    await expect(airlock.start(loose({ tool: 'demo.echo', args: {}, idempotencyKey: 'k2', execution: 'agent' }))).rejects.toThrow(/execution: Unrecognized key/);
    await expect(airlock.runPlan(loose({ idempotencyKey: 'p1', steps: [{ tool: 'demo.echo', args: {} }], rationel: 'x' }))).rejects.toThrow(/rationel: Unrecognized key/);
    await expect(airlock.runPlan(loose({ idempotencyKey: 'p2', steps: [{ tool: 'demo.echo', argz: {} }] }))).rejects.toThrow(/steps\.0\.argz: Unrecognized key/);
    const echo = airlock.tool<{ message: string }>('demo.echo');
    await expect(echo({ message: 'a' }, loose({ idempotencyKey: 'k3', reasn: 'x' }))).rejects.toThrow(/options\.reasn: Unrecognized key/);
    // Options cannot override what tool() fixed.
    await expect(echo({ message: 'a' }, loose({ idempotencyKey: 'k4', tool: 'payments.refund' }))).rejects.toThrow(/options\.tool: Unrecognized key/);
    expect(sent).toEqual([]);
  });

  it('in authorize() and report()', async () => {
    const { airlock, sent } = await recordingClient();
    await expect(airlock.authorize(loose({ tool: 'demo.echo', argz: { message: 'hi' }, args: {}, idempotencyKey: 'g1' }))).rejects.toThrow(/argz: Unrecognized key/);
    await expect(airlock.authorize(loose({ tool: 'demo.echo', args: {}, idempotencyKey: 'g2', execution: 'worker' }))).rejects.toThrow(/execution: Unrecognized key/);
    const report = loose<Parameters<Airlock['report']>[1]>({ authorizationId: 'auth-1', args: {}, status: 'succeeded', outpt: { ok: true } });
    await expect(airlock.report('a-1', report)).rejects.toThrow(/report\.outpt: Unrecognized key: "outpt"/);
    expect(sent).toEqual([]);
  });

  it('in connect() and the gate-only calls’ options', async () => {
    const connect = Airlock.connect(loose({ url: 'http://airlock.test', apiKey: 'alk_test', pollWaitMS: 1_000 }));
    await expect(connect).rejects.toThrow(InvalidRequestError);
    await expect(connect).rejects.toThrow(/options\.pollWaitMS: Unrecognized key: "pollWaitMS"/);
    await expect(Airlock.connect(loose({ url: 'http://airlock.test', apiKey: 'alk_test', pollWaitMs: '5000' }))).rejects.toThrow(/options\.pollWaitMs: must be a number/);
    const { airlock, sent } = await recordingClient();
    await expect(airlock.checkAuthorization('a-1', 0, loose({ timeoutMS: 5 }))).rejects.toThrow(/options\.timeoutMS: Unrecognized key/);
    await expect(airlock.awaitAuthorization('a-1', loose({ agent: 'billing-bot' }))).rejects.toThrow(/options\.agent: Unrecognized key/);
    await expect(airlock.authorization('a-1', 0, loose({ agentID: 'billing-bot' }))).rejects.toThrow(/options\.agentID: Unrecognized key/);
    expect(sent).toEqual([]);
  });
});

describe('checkAuthorization() has an overall deadline while no person is asked yet', () => {
  const stuck = (path: string): unknown => (path.endsWith('/authorization') ? { status: 'pending', actionId: 'a-1', phase: 'classifying' } : { actionId: 'a-1', created: true });

  it('ends with AuthorizationTimeoutError naming the action and its phase, instead of asking forever', async () => {
    const { airlock, sent } = await recordingClient(stuck);
    const checked = airlock.checkAuthorization('a-1', 0, { timeoutMs: 250 });
    await expect(checked).rejects.toThrow(AuthorizationTimeoutError);
    await expect(checked).rejects.toMatchObject({
      actionId: 'a-1',
      phase: 'classifying',
      message: 'action a-1 is still classifying after 250 ms, before any person was asked: is an Airlock worker running?',
    });
    expect(sent.length).toBeGreaterThan(0);
    expect(DEFAULT_CHECK_AUTHORIZATION_TIMEOUT_MS).toBe(60_000);
  });

  it('still answers pending at once once a person is asked, and refuses a deadline that is not a duration', async () => {
    const { airlock } = await recordingClient(() => ({ status: 'pending', actionId: 'a-1', phase: 'awaiting_approval' }));
    expect(await airlock.checkAuthorization('a-1', 0, { timeoutMs: 0 })).toEqual({ status: 'pending', actionId: 'a-1', phase: 'awaiting_approval' });
    await expect(airlock.checkAuthorization('a-1', 0, { timeoutMs: -1 })).rejects.toThrow(/options\.timeoutMs: must be/);
  });
});

describe('checkAuthorization() takes a 503 (no worker answered the status query) as not yet, until its deadline', () => {
  const unavailable = { error: { code: 'unavailable', message: 'no worker answered the status query of action a-1 in time' } };
  /** Answers each read with the next of `answers`: a number is that status with `unavailable`, an object a 200. */
  async function answering(answers: (number | object)[]): Promise<{ airlock: Airlock; reads: () => number }> {
    let reads = 0;
    const fetch = () => {
      const next = answers[Math.min(reads++, answers.length - 1)]!;
      const [status, body] = typeof next === 'number' ? [next, unavailable] : [200, next];
      return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
    };
    return { airlock: await Airlock.connect({ url: 'http://airlock.test', apiKey: 'alk_test', fetch }), reads: () => reads };
  }

  it('ends with AuthorizationTimeoutError, phase unknown and the 503 as its cause, when every read failed', async () => {
    const { airlock, reads } = await answering([503]);
    const checked = airlock.checkAuthorization('a-1', 0, { timeoutMs: 300 });
    await expect(checked).rejects.toThrow(AuthorizationTimeoutError);
    await expect(checked).rejects.toMatchObject({
      actionId: 'a-1',
      phase: 'unknown',
      message: expect.stringMatching(
        /^action a-1: no answer said where it stands after 300 ms \(no worker answered the status query of action a-1 in time\), before any person was asked/,
      ),
      cause: expect.objectContaining({ status: 503, code: 'unavailable' }),
    });
    expect(reads()).toBeGreaterThan(1);
  });

  it('names the last phase read when a 503 follows it, and answers once a later read reaches a person', async () => {
    const classifying = { status: 'pending', actionId: 'a-1', phase: 'classifying' };
    const stuck = await answering([classifying, 503]);
    await expect(stuck.airlock.checkAuthorization('a-1', 0, { timeoutMs: 300 })).rejects.toMatchObject({ phase: 'classifying' });
    const asked = { status: 'pending', actionId: 'a-1', phase: 'awaiting_approval' };
    const recovered = await answering([503, 503, asked]);
    expect(await recovered.airlock.checkAuthorization('a-1', 0, { timeoutMs: 60_000 })).toEqual(asked);
  });

  it('still throws what asking again cannot mend (a 401) at once', async () => {
    const { airlock, reads } = await answering([401]);
    await expect(airlock.checkAuthorization('a-1', 0, { timeoutMs: 60_000 })).rejects.toMatchObject({ status: 401 });
    expect(reads()).toBe(1);
  });
});

describe('an answer about another action than the one asked for is refused, never used', () => {
  const granted = {
    status: 'authorized',
    actionId: 'b-2',
    tool: 'payments.refund',
    authorizationId: 'auth-b',
    args: { amount: '900.00' },
    argsHash: 'h',
    expiresAt: '2030-01-01T00:00:00Z',
  };

  it('an authorization for action b-2 when a-1 was asked: bad_response from every read, none retried', async () => {
    const { airlock, sent } = await recordingClient(() => granted);
    for (const read of [() => airlock.authorization('a-1', 0), () => airlock.checkAuthorization('a-1', 0), () => airlock.awaitAuthorization('a-1')]) {
      const answered = read();
      await expect(answered).rejects.toThrow(AirlockApiError);
      await expect(answered).rejects.toMatchObject({
        code: 'bad_response',
        message: expect.stringMatching(
          /^GET \/api\/v1\/actions\/a-1\/authorization\?waitMs=\d+ answered about action "b-2", not "a-1": the answer \(authorized\) is not for this action and was not used$/,
        ),
      });
    }
    expect(sent).toHaveLength(3);
  });

  it('pending answers and outcomes of another action too', async () => {
    for (const other of [
      { status: 'pending', actionId: 'b-2', phase: 'awaiting_approval' },
      { status: 'executed', actionId: 'b-2', output: null },
    ]) {
      const { airlock } = await recordingClient(() => other);
      await expect(airlock.authorization('a-1', 0)).rejects.toMatchObject({ code: 'bad_response' });
    }
  });
});

describe('an outcome read answered about another action is refused, never used', () => {
  it('result() and run() of a-1 given b-2’s outcome: bad_response naming both ids, not asked again', async () => {
    const other = { status: 'executed', actionId: 'b-2', output: { refunded: '900.00' } };
    const { airlock, sent } = await recordingClient((path) => (path.endsWith('/outcome') ? other : { actionId: 'a-1', created: true }));
    for (const read of [() => airlock.action('a-1').result(), () => airlock.run({ tool: 'demo.echo', args: {}, idempotencyKey: 'k1' })]) {
      const answered = read();
      await expect(answered).rejects.toThrow(AirlockApiError);
      await expect(answered).rejects.toMatchObject({
        code: 'bad_response',
        message: expect.stringMatching(
          /^GET \/api\/v1\/actions\/a-1\/outcome\?waitMs=\d+ answered about action "b-2", not "a-1": the answer \(executed\) is not for this action and was not used$/,
        ),
      });
    }
    expect(sent.filter((s) => s.path.endsWith('/outcome'))).toHaveLength(2);
  });

  it('a pending answer of another action too: refused, not waited on until a-1’s own answer', async () => {
    const answers = [
      { status: 'pending', actionId: 'b-2' },
      { status: 'executed', actionId: 'a-1', output: null },
    ];
    const { airlock, sent } = await recordingClient(() => answers.shift());
    await expect(airlock.action('a-1').result()).rejects.toMatchObject({ code: 'bad_response', message: expect.stringContaining('(pending)') });
    expect(sent).toHaveLength(1);
  });
});

describe('gate-only calls name the agent only when the caller does, as start() does', () => {
  it('authorize() sends agentId in the header, not the body; checkAuthorization() and awaitAuthorization() send it on their reads', async () => {
    const granted = { status: 'authorized', actionId: 'a-1', tool: 'demo.echo', authorizationId: 'auth-1', args: {}, argsHash: 'h', expiresAt: '2030-01-01T00:00:00Z' };
    const { airlock, sent } = await recordingClient((path) => (path.endsWith('/authorization') ? granted : { actionId: 'a-1', created: true }));
    await airlock.authorize({ agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'hi' }, idempotencyKey: 'g1' });
    await airlock.authorize({ tool: 'demo.echo', args: { message: 'hi' }, idempotencyKey: 'g2' });
    await airlock.checkAuthorization('a-1', 0, { agentId: 'billing-bot' });
    await airlock.awaitAuthorization('a-1', { agentId: 'billing-bot' });
    await airlock.checkAuthorization('a-1', 0);
    const [named, keyOnly, checked, awaited, unnamed] = sent;
    expect(named).toMatchObject({ method: 'POST', path: '/api/v1/authorizations', headers: { 'airlock-agent-id': 'billing-bot' } });
    expect(named?.body).toEqual({ tool: 'demo.echo', args: { message: 'hi' }, rationale: '', idempotencyKey: 'g1' });
    expect(keyOnly?.headers).not.toHaveProperty('airlock-agent-id');
    expect(checked).toMatchObject({ method: 'GET', path: '/api/v1/actions/a-1/authorization', headers: { 'airlock-agent-id': 'billing-bot' } });
    expect(awaited?.headers['airlock-agent-id']).toBe('billing-bot');
    expect(unnamed?.headers).not.toHaveProperty('airlock-agent-id');
    await expect(airlock.authorize({ agentId: 'no spaces', tool: 'demo.echo', args: {}, idempotencyKey: 'g3' })).rejects.toThrow(/agentId: letters, digits/);
  });
});

describe('me()', () => {
  it('asks which agent the key belongs to and what it may request (a cheap check of the URL and the key)', async () => {
    const self = { id: 'billing-bot', team: 'billing', allowedTools: ['payments.*'] };
    const { airlock, sent } = await recordingClient(() => self);
    expect(await airlock.me()).toEqual(self);
    expect(sent).toMatchObject([{ method: 'GET', path: '/api/v1/agents/me', headers: { authorization: 'Bearer alk_test' } }]);
  });
});

describe('authorization reads take an AbortSignal', () => {
  /** A fetch that waits (a long poll nobody answers) until its signal aborts, and records the signals it got. */
  function hangingClient(): Promise<{ airlock: Airlock; signals: (AbortSignal | undefined)[] }> {
    const signals: (AbortSignal | undefined)[] = [];
    const fetch = (_input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const signal = init?.signal ?? undefined;
      signals.push(signal);
      return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
    };
    return Airlock.connect({ url: 'http://airlock.test', apiKey: 'alk_test', fetch }).then((airlock) => ({ airlock, signals }));
  }

  it('authorization() hands the signal to fetch: aborting ends the wait with the abort, not an Airlock error', async () => {
    const { airlock, signals } = await hangingClient();
    const controller = new AbortController();
    const read = airlock.authorization('a-1', 20_000, { signal: controller.signal });
    await Promise.resolve();
    controller.abort();
    await expect(read).rejects.toMatchObject({ name: 'AbortError' });
    expect(signals).toEqual([controller.signal]);
  });

  it('awaitAuthorization() stops asking once aborted, instead of retrying as after a network blip', async () => {
    const { airlock, signals } = await hangingClient();
    const controller = new AbortController();
    const waited = airlock.awaitAuthorization('a-1', { signal: controller.signal });
    await Promise.resolve();
    controller.abort();
    await expect(waited).rejects.toMatchObject({ name: 'AbortError' });
    expect(signals).toEqual([controller.signal]);
  });

  it('refuses a signal that is not an AbortSignal, naming the option, before sending anything', async () => {
    const { airlock, signals } = await hangingClient();
    const read = airlock.authorization('a-1', 0, { signal: 'stop' as unknown as AbortSignal });
    await expect(read).rejects.toThrow(InvalidRequestError);
    await expect(read).rejects.toThrow('options.signal: must be an AbortSignal, got string');
    expect(signals).toEqual([]);
  });
});

describe('answers are checked, so a console of another version fails loudly where it answers', () => {
  it('an authorization without its fields is a bad_response naming the server and the call', async () => {
    const { airlock } = await recordingClient(() => ({ status: 'authorized', actionId: 'a-1', tool: 'demo.echo' }));
    const read = airlock.authorization('a-1', 0);
    await expect(read).rejects.toThrow(AirlockApiError);
    await expect(read).rejects.toMatchObject({ status: 200, code: 'bad_response' });
    await expect(read).rejects.toThrow(
      /^http:\/\/airlock\.test answered GET \/api\/v1\/actions\/a-1\/authorization\?waitMs=0 with 200 and a body this client does not understand \(authorizationId: required.*args: required/,
    );
  });

  it('an authorization’s extra fields (links) pass through; pending and outcomes read as before', async () => {
    const granted = {
      status: 'authorized',
      actionId: 'a-1',
      tool: 'demo.echo',
      authorizationId: 'auth-1',
      args: { n: 1 },
      argsHash: 'h',
      expiresAt: '2030-01-01T00:00:00Z',
      links: { report: '/r' },
    };
    const answers: unknown[] = [granted, { status: 'pending', actionId: 'a-1', phase: 'awaiting_approval' }, { status: 'denied', actionId: 'a-1', reason: 'no', deniedBy: 'ann' }];
    const { airlock } = await recordingClient(() => answers.shift());
    expect(await airlock.authorization('a-1')).toEqual(granted);
    expect(await airlock.authorization('a-1')).toEqual({ status: 'pending', actionId: 'a-1', phase: 'awaiting_approval' });
    expect(await airlock.authorization('a-1')).toEqual({ status: 'denied', actionId: 'a-1', reason: 'no', deniedBy: 'ann' });
  });

  // Every call's answer is checked by the one transport: each of these took its answer unchecked before.
  const malformed: [string, (airlock: Airlock) => Promise<unknown>, RegExp][] = [
    ['start()', (a) => a.start({ tool: 'demo.echo', args: {}, idempotencyKey: 'k' }), /POST \/api\/v1\/actions with 200 .*actionId/],
    ['authorize()', (a) => a.authorize({ tool: 'demo.echo', args: {}, idempotencyKey: 'k' }), /POST \/api\/v1\/authorizations with 200 .*created/],
    ['report()', (a) => a.report('a-1', { authorizationId: 'z', args: {}, status: 'succeeded' }), /POST \/api\/v1\/actions\/a-1\/report with 200 .*status/],
    ['status()', (a) => a.action('a-1').status(), /GET \/api\/v1\/actions\/a-1\/status with 200 .*phase/],
    ['result()', (a) => a.action('a-1').result(), /GET \/api\/v1\/actions\/a-1\/outcome\?waitMs=\d+ with 200 .*status/],
    ['cancel()', (a) => a.action('a-1').cancel(), /POST \/api\/v1\/actions\/a-1\/cancel with 200 .*cancelRequested/],
  ];
  it.each(malformed)('%s with an answer missing its fields is a bad_response naming the server and the call', async (_name, call, message) => {
    const { airlock } = await recordingClient(() => ({ ok: true }));
    const answered = call(airlock);
    await expect(answered).rejects.toThrow(AirlockApiError);
    await expect(answered).rejects.toMatchObject({ status: 200, code: 'bad_response', message: expect.stringMatching(message) });
  });

  it('a run whose outcome is not one the SDK knows fails as bad_response instead of waiting forever or returning it', async () => {
    const { airlock } = await recordingClient((path) => (path.endsWith('/outcome') ? { status: 'done', actionId: 'a-1' } : { actionId: 'a-1', created: true }));
    await expect(airlock.run({ tool: 'demo.echo', args: {}, idempotencyKey: 'k' })).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('well-formed answers read as before, with fields a newer console adds passed through', async () => {
    const status = { actionId: 'a-1', agentId: 'bot', tool: 'demo.echo', argsHash: 'h', phase: 'awaiting_approval', approval: { round: 1 } };
    const { airlock } = await recordingClient((path) =>
      path.endsWith('/status')
        ? status
        : path.endsWith('/cancel')
          ? { actionId: 'a-1', cancelRequested: true }
          : path.endsWith('/report')
            ? { status: 'executed', actionId: 'a-1', output: { id: 're_1' } }
            : { actionId: 'a-1', created: false, argsHash: 'h', links: {} },
    );
    expect(await airlock.authorize({ tool: 'demo.echo', args: {}, idempotencyKey: 'k' })).toEqual({ actionId: 'a-1', created: false });
    expect((await airlock.start({ tool: 'demo.echo', args: {}, idempotencyKey: 'k' })).created).toBe(false);
    expect(await airlock.action('a-1').status()).toEqual(status);
    await airlock.action('a-1').cancel();
    expect(await airlock.report('a-1', { authorizationId: 'z', args: {}, status: 'succeeded' })).toEqual({ status: 'executed', actionId: 'a-1', output: { id: 're_1' } });
  });

  it('me() without allowedTools is a bad_response, not an agent that may use nothing', async () => {
    const { airlock } = await recordingClient(() => ({ id: 'billing-bot', team: 'billing' }));
    await expect(airlock.me()).rejects.toMatchObject({ code: 'bad_response', message: expect.stringMatching(/GET \/api\/v1\/agents\/me with 200 .*allowedTools/) });
  });
});

describe('a report of a tool that ran is sent whatever its output holds', () => {
  const executedReport = (path: string): unknown => (path.endsWith('/report') ? { status: 'executed', actionId: 'a-1', output: null } : { actionId: 'a-1', created: true });

  it('an output JSON would change (NaN, Infinity) or cannot carry (a BigInt, a cycle) goes in the server’s storable form, naming the field', async () => {
    const { airlock, sent } = await recordingClient(executedReport);
    const looped: Record<string, unknown> = { rows: 2 };
    looped.self = looped;
    for (const output of [{ took: Number.NaN, rows: 2 }, { id: 10n }, looped, Number.POSITIVE_INFINITY]) {
      await expect(airlock.report('a-1', { authorizationId: 'auth-1', args: {}, status: 'succeeded', output })).resolves.toMatchObject({ status: 'executed' });
    }
    expect(sent.map((s) => [s.method, s.path])).toEqual(Array.from({ length: 4 }, () => ['POST', '/api/v1/actions/a-1/report']));
    expect(sent.map((s) => (s.body as { output: unknown }).output)).toEqual([
      { airlock: 'output not storable as sent', problem: 'output.took: must be a finite number', json: '{"took":null,"rows":2}' },
      { airlock: 'output not storable as sent', problem: 'output.id: must be JSON (an object, array, string, number, boolean or null), got a BigInt', json: '{"id":"10"}' },
      { airlock: 'output not storable as sent', problem: 'output.self: must be JSON: it contains itself', json: '{"rows":2,"self":"[cycle]"}' },
      { airlock: 'output not storable as sent', problem: 'output: must be a finite number', json: 'null' },
    ]);
    expect(sent[0]?.body).toEqual({ authorizationId: 'auth-1', args: {}, status: 'succeeded', output: expect.any(Object) });
  });

  it('a toJSON that throws is no refusal either; an output JSON carries goes as it is', async () => {
    const { airlock, sent } = await recordingClient(executedReport);
    class Receipt {
      toJSON(): never {
        throw new Error('no JSON form');
      }
      toString() {
        return 'receipt r-1';
      }
    }
    await airlock.report('a-1', { authorizationId: 'auth-1', args: {}, status: 'succeeded', output: new Receipt() });
    await airlock.report('a-1', { authorizationId: 'auth-1', args: {}, status: 'succeeded', output: { at: new Date(0), text: 'x' } });
    expect(sent.map((s) => (s.body as { output: unknown }).output)).toEqual([
      { airlock: 'output not storable as sent', problem: 'output: must be JSON: writing it threw Error: no JSON form', json: '"receipt r-1"' },
      { at: '1970-01-01T00:00:00.000Z', text: 'x' },
    ]);
  });

  it('an output whose JSON would not fit in a report’s body (the server reads 16 MiB) goes in the storable form; a large one that fits goes as it is', async () => {
    const { airlock, sent } = await recordingClient(executedReport);
    // 170 strings of 100,000 characters: each within a string's limit, 17 MB of JSON together.
    const huge = Array.from({ length: 170 }, (_, i) => `${i}`.padEnd(100_000, 'x'));
    await airlock.report('a-1', { authorizationId: 'auth-1', args: {}, status: 'succeeded', output: huge });
    const fits = Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(100_000, 'x'));
    await airlock.report('a-1', { authorizationId: 'auth-1', args: {}, status: 'succeeded', output: fits });
    const [tooLarge, asItIs] = sent.map((s) => (s.body as { output: unknown }).output);
    expect(tooLarge).toMatchObject({ airlock: 'output not storable as sent', problem: 'output: JSON of 17000511 bytes, more than a report carries (14680064)' });
    expect(new TextEncoder().encode(JSON.stringify(sent[0]?.body)).length).toBeLessThan(REPORT_BODY_MAX_BYTES);
    expect(asItIs).toEqual(fits);
  });

  it('an error whose UTF-8 would not fit in a report’s body is cut to fit, on a code-point boundary, marked; one that fits goes whole', async () => {
    const { airlock, sent } = await recordingClient(executedReport);
    const fits = 14 * 1024 * 1024;
    // The 14 MiB point falls inside an emoji (4 bytes): the emoji is cut whole.
    const huge = `${'x'.repeat(fits - 2)}😀${'y'.repeat(3_000_000)}`;
    await airlock.report('a-1', { authorizationId: 'auth-1', args: {}, status: 'failed', error: huge });
    await airlock.report('a-1', { authorizationId: 'auth-1', args: {}, status: 'failed', error: 'x'.repeat(fits) });
    const [cut, whole] = sent.map((s) => (s.body as { error: string }).error);
    expect(cut).toBe(`${'x'.repeat(fits - 2)} … [cut by the Airlock client: ${huge.length - (fits - 2)} of ${huge.length} characters]`);
    expect(new TextEncoder().encode(JSON.stringify(sent[0]?.body)).length).toBeLessThan(REPORT_BODY_MAX_BYTES);
    expect(whole).toHaveLength(fits);
  });

  it('a long output’s JSON text is cut within one stored string, on a code-point boundary, marked', async () => {
    const { airlock, sent } = await recordingClient(executedReport);
    await airlock.report('a-1', { authorizationId: 'auth-1', args: {}, status: 'succeeded', output: { took: Number.NaN, text: '😀'.repeat(100_000) } });
    const { json } = (sent[0]?.body as { output: { json: string } }).output;
    const whole = `{"took":null,"text":"${'😀'.repeat(100_000)}"}`;
    const marker = /… \[cut by Airlock: (\d+) of (\d+) characters\]$/.exec(json);
    expect(json.length).toBeLessThanOrEqual(131_072);
    expect(marker?.slice(1).map(Number)).toEqual([whole.length - (json.length - (marker?.[0].length ?? 0)), whole.length]);
    // Cut between two emoji: whole pairs, never half of one.
    expect(whole.startsWith(json.slice(0, json.length - (marker?.[0].length ?? 0)))).toBe(true);
    expect(json.slice(0, json.length - (marker?.[0].length ?? 0))).toMatch(/^\{"took":null,"text":"(?:😀)+$/u);
  });

  it('a failed report’s error is sent as it is (the server stores it)', async () => {
    const { airlock, sent } = await recordingClient(executedReport);
    await airlock.report('a-1', { authorizationId: 'auth-1', args: {}, status: 'failed', error: `bad\u0000${'e'.repeat(5_000)}` });
    expect((sent[0]?.body as { error: string }).error).toHaveLength(5_004);
  });
});

describe('waits poll at the pace the server asks, whatever pollWaitMs is', () => {
  /**
   * A console on a fake clock: answers pending (with `retryAfter`, as the console sends) `pending` times, then
   * `done`; each long poll holds the clock for the waitMs it was asked. Records the clock at each request, so
   * the tests read how far apart the polls were in fake time, never how fast the machine is.
   */
  function pacedClient(options: {
    pending: number;
    done: unknown;
    pendingBody: unknown;
    retryAfter?: string | null;
    pollWaitMs: number;
  }): Promise<{ airlock: Airlock; sentAt: number[] }> {
    const sentAt: number[] = [];
    let left = options.pending;
    const start = Date.now();
    const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = new URL(input instanceof Request ? input.url : input);
      sentAt.push(Date.now() - start);
      if (left === 0) return new Response(JSON.stringify(options.done), { status: 200 });
      left -= 1;
      const waitMs = Number(url.searchParams.get('waitMs'));
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      init?.signal?.throwIfAborted();
      const retryAfter = options.retryAfter === undefined ? '1' : options.retryAfter;
      return new Response(JSON.stringify(options.pendingBody), { status: 202, headers: retryAfter === null ? {} : { 'retry-after': retryAfter } });
    };
    return Airlock.connect({ url: 'http://airlock.test', apiKey: 'alk_test', pollWaitMs: options.pollWaitMs, fetch }).then((airlock) => ({ airlock, sentAt }));
  }

  const executed = { status: 'executed', actionId: 'a-1', output: null };
  const pendingOutcome = { status: 'pending', actionId: 'a-1' };
  const pendingAuthorization = { status: 'pending', actionId: 'a-1', phase: 'awaiting_approval' };
  const granted = { status: 'authorized', actionId: 'a-1', tool: 'demo.echo', authorizationId: 'z', args: {}, argsHash: 'h', expiresAt: '2030-01-01T00:00:00Z' };

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a result() with pollWaitMs 0 asks once a second, as the Retry-After of a pending answer says', async () => {
    const { airlock, sentAt } = await pacedClient({ pending: 5, done: executed, pendingBody: pendingOutcome, pollWaitMs: 0 });
    const result = airlock.action('a-1').result();
    await vi.runAllTimersAsync();
    expect(await result).toEqual(executed);
    expect(sentAt).toEqual([0, 1_000, 2_000, 3_000, 4_000, 5_000]);
  });

  it('a pollWaitMs with a fraction asks for whole milliseconds (the server takes an integer waitMs)', async () => {
    const urls: string[] = [];
    const fetch = (input: string | URL | Request): Promise<Response> => {
      urls.push(input instanceof Request ? input.url : String(input));
      return Promise.resolve(new Response(JSON.stringify(executed), { status: 200 }));
    };
    const airlock = await Airlock.connect({ url: 'http://airlock.test', apiKey: 'alk_test', pollWaitMs: 2_500.4, fetch });
    expect(await airlock.action('a-1').result()).toEqual(executed);
    expect(urls).toEqual(['http://airlock.test/api/v1/actions/a-1/outcome?waitMs=2500']);
  });

  it('awaitAuthorization() with pollWaitMs 0 keeps the same pace', async () => {
    const { airlock, sentAt } = await pacedClient({ pending: 3, done: granted, pendingBody: pendingAuthorization, pollWaitMs: 0 });
    const awaited = airlock.awaitAuthorization('a-1');
    await vi.runAllTimersAsync();
    expect(await awaited).toEqual(granted);
    expect(sentAt).toEqual([0, 1_000, 2_000, 3_000]);
  });

  it('a longer Retry-After is honoured; none, 0 or a date still pause a second', async () => {
    for (const [retryAfter, gap] of [
      ['3', 3_000],
      [null, 1_000],
      ['0', 1_000],
      ['Wed, 21 Oct 2015 07:28:00 GMT', 1_000],
    ] as const) {
      const { airlock, sentAt } = await pacedClient({ pending: 2, done: executed, pendingBody: pendingOutcome, retryAfter, pollWaitMs: 0 });
      const result = airlock.action('a-1').result();
      await vi.runAllTimersAsync();
      await result;
      expect(sentAt, String(retryAfter)).toEqual([0, gap, 2 * gap]);
    }
  });

  it('a long poll that held is asked again at once, with no pause added', async () => {
    const { airlock, sentAt } = await pacedClient({ pending: 3, done: executed, pendingBody: pendingOutcome, pollWaitMs: 5_000 });
    const result = airlock.action('a-1').result();
    await vi.runAllTimersAsync();
    await result;
    expect(sentAt).toEqual([0, 5_000, 10_000, 15_000]);
  });

  it('aborting awaitAuthorization() during the pause ends it with the abort, and nothing more is sent', async () => {
    const { airlock, sentAt } = await pacedClient({ pending: 100, done: granted, pendingBody: pendingAuthorization, pollWaitMs: 0 });
    const controller = new AbortController();
    const awaited = airlock.awaitAuthorization('a-1', { signal: controller.signal });
    const outcome = expect(awaited).rejects.toMatchObject({ name: 'AbortError' });
    await vi.advanceTimersByTimeAsync(1_500);
    controller.abort();
    await outcome;
    await vi.runAllTimersAsync();
    expect(sentAt).toEqual([0, 1_000]);
  });
});

describe('a claim or a report answered about another action is refused, never used', () => {
  it('claimRun(): another action, another authorization or another runner is bad_response: the runner must not run on it', async () => {
    const claim = { authorizationId: 'auth-1', runnerId: 'runner-1' };
    const answers = [
      { status: 'claimed', actionId: 'b-2', authorizationId: 'auth-1', runnerId: 'runner-1', claimedAt: '2030-01-01T00:00:00Z' },
      { status: 'claimed', actionId: 'a-1', authorizationId: 'auth-9', runnerId: 'runner-1', claimedAt: '2030-01-01T00:00:00Z' },
      { status: 'claimed', actionId: 'a-1', authorizationId: 'auth-1', runnerId: 'runner-9', claimedAt: '2030-01-01T00:00:00Z' },
    ];
    const { airlock } = await recordingClient(() => answers.shift());
    await expect(airlock.claimRun('a-1', claim)).rejects.toMatchObject({ code: 'bad_response', message: expect.stringContaining('answered about action "b-2", not "a-1"') });
    await expect(airlock.claimRun('a-1', claim)).rejects.toMatchObject({ code: 'bad_response', message: expect.stringContaining('authorization "auth-9"') });
    await expect(airlock.claimRun('a-1', claim)).rejects.toMatchObject({ code: 'bad_response', message: expect.stringContaining('runner "runner-9"') });
  });

  it("report(): another action's outcome is bad_response", async () => {
    const { airlock } = await recordingClient(() => ({ status: 'executed', actionId: 'b-2', output: null }));
    await expect(airlock.report('a-1', { authorizationId: 'auth-1', args: {}, status: 'succeeded', output: { ok: true } })).rejects.toMatchObject({
      code: 'bad_response',
      message: expect.stringMatching(/^POST \/api\/v1\/actions\/a-1\/report answered about action "b-2", not "a-1"/),
    });
  });
});
