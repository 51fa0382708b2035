import { createServer } from 'node:net';
import { Airlock } from '@airlock/sdk';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it, vi } from 'vitest';
import { CHECK_TOOL, createGatewayServer, rememberedRun, settleReports } from './gateway.js';
import { countingUpstream, connectClient, textOf } from './testing.js';
import { UpstreamNotCalledError, UpstreamOutcomeUnknownError, Upstreams, UpstreamUnavailableError } from './upstreams.js';

/** A gateway session on `api` with no upstreams, and a connected MCP client; `close` ends both. */
function session(api: Airlock) {
  return connectClient(createGatewayServer({ upstreams: new Upstreams({}), api, settings: { approvalWaitMs: 1_000, progressIntervalMs: 200, reportWithinMs: 60_000 } }));
}

/** A local port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An Airlock (the SDK's client) whose every call gets `status` and `body`. */
function answering(status: number, body: unknown): Promise<Airlock> {
  const fetch = () => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  return Airlock.connect({ url: 'http://airlock.test', apiKey: 'alk_test', fetch });
}

describe('the gateway server', () => {
  it('answers an unknown tool with one "Unknown tool" error, its code prefixed once', async () => {
    // No upstreams and an Airlock nobody serves: an unknown tool reaches neither.
    const { client, close } = await session(await Airlock.connect({ url: 'http://127.0.0.1:9', apiKey: 'alk_unused' }));
    try {
      const error = await client.callTool({ name: 'fs.nope', arguments: {} }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(ErrorCode.InvalidParams);
      expect((error as McpError).message).toBe('MCP error -32602: Unknown tool: fs.nope');
    } finally {
      await close();
    }
  });
});

describe('the gateway talks to Airlock through the SDK’s client', () => {
  it('names the Airlock it cannot reach, and the call, in its answer (not just "fetch failed")', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { client, close } = await session(await Airlock.connect({ url, apiKey: 'alk_test' }));
    try {
      await expect(client.listTools()).rejects.toThrow(`cannot reach Airlock at ${url} (GET /api/v1/agents/me): `);
      // Asked again until the wait is over (unreachable is transient), then said the same way.
      await expect(client.callTool({ name: CHECK_TOOL, arguments: { actionId: 'act_1' } })).rejects.toThrow(
        `cannot reach Airlock at ${url} (GET /api/v1/actions/act_1/authorization?waitMs=`,
      );
    } finally {
      await close();
    }
  });

  it('answers a check of an action id Airlock refuses (400 invalid_request, 404) as no such action', async () => {
    for (const [status, code] of [
      [400, 'invalid_request'],
      [404, 'not_found'],
    ] as const) {
      const { client, close } = await session(await answering(status, { error: { code, message: 'invalid request: id: not an action id' } }));
      try {
        const result = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: 'nope' } })) as CallToolResult;
        expect(result.isError).toBe(true);
        expect(textOf(result)).toBe('no action nope of this agent');
      } finally {
        await close();
      }
    }
  });

  it('answers a check of an action that has no authorization (409) with Airlock’s reason', async () => {
    const { client, close } = await session(await answering(409, { error: { code: 'decision_rejected', message: 'this action runs in the worker; it has no authorization' } }));
    try {
      const result = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: 'act_1' } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe('action act_1: this action runs in the worker; it has no authorization');
    } finally {
      await close();
    }
  });
});

/**
 * A fake Airlock (the REST API the SDK's client calls) holding one gate-only action, authorized until a
 * report is accepted; `reportAnswers` are the report endpoint's answers in turn (the last one repeats).
 */
let actions = 0;
function fakeAirlock(reportAnswers: Array<{ status: number; body: unknown }>, options: { expiresInMs?: number; claimedBy?: string; loseFirstClaimAnswer?: boolean } = {}) {
  // An action id of its own: the gateway remembers runs per action for the whole process.
  const action = {
    actionId: `act-${++actions}`,
    tool: 'demo.echo',
    authorizationId: 'auth-1',
    args: { message: 'hi' },
    argsHash: 'h',
    expiresAt: new Date(Date.now() + (options.expiresInMs ?? 600_000)).toISOString(),
  };
  const reports: unknown[] = [];
  const claims: string[] = [];
  let claimedBy = options.claimedBy;
  const claimedAt = '2030-01-01T00:00:00.000Z';
  let outcome: unknown;
  const json = (status: number, body: unknown) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.pathname === '/api/v1/authorizations') return json(200, { actionId: action.actionId, created: true });
    if (url.pathname.endsWith('/authorization')) return json(200, outcome ?? { status: 'authorized', ...action });
    if (url.pathname.endsWith('/claim')) {
      // As the server: the first runner's claim is taken (again for it), another's is a 409 conflict.
      const { runnerId } = JSON.parse(init?.body as string) as { runnerId: string };
      claims.push(runnerId);
      claimedBy ??= runnerId;
      if (claimedBy !== runnerId) return json(409, { error: { code: 'conflict', message: `the run was already claimed by another runner at ${claimedAt}` } });
      // Taken, but its answer never reaches the caller (a 500 is not sent again by the SDK: the call throws).
      if (options.loseFirstClaimAnswer && claims.length === 1) return json(500, { error: { code: 'internal', message: 'answer lost' } });
      return json(200, { status: 'claimed', actionId: action.actionId, authorizationId: action.authorizationId, runnerId, claimedAt });
    }
    if (url.pathname.endsWith('/report')) {
      const body = JSON.parse(init?.body as string) as { status: string; output?: unknown; error?: string };
      reports.push(body);
      const answer = reportAnswers[Math.min(reports.length - 1, reportAnswers.length - 1)]!;
      if (answer.status === 200)
        outcome =
          body.status === 'succeeded' ? { status: 'executed', actionId: action.actionId, output: body.output } : { status: 'failed', actionId: action.actionId, error: body.error };
      return json(answer.status, answer.status === 200 ? outcome : answer.body);
    }
    return json(404, { error: { code: 'not_found', message: 'not found' } });
  };
  return {
    connect: () => Airlock.connect({ url: 'http://airlock.test', apiKey: 'alk_test', fetch }),
    reports,
    claims,
    reportAnswers,
    actionId: action.actionId,
    expiresAt: action.expiresAt,
  };
}

function sessionWith(
  api: Airlock,
  upstreams: ReturnType<typeof countingUpstream>,
  logs: string[] = [],
  options: { inlineReportRetryMs?: number; maxRememberedRuns?: number } = {},
) {
  return connectClient(
    createGatewayServer({
      ...options,
      upstreams: upstreams as unknown as Upstreams,
      api,
      settings: { approvalWaitMs: 1_000, progressIntervalMs: 200, reportWithinMs: 60_000 },
      log: (line) => logs.push(line),
    }),
  );
}

const refused = { status: 400, body: { error: { code: 'invalid_request', message: 'invalid request', issues: [{ path: 'output', message: 'not storable' }] } } };
const unavailable = { status: 503, body: { error: { code: 'unavailable', message: 'try again' } } };

describe('one upstream run per authorized action, whatever happens to its report', () => {
  it('claims the run before the upstream runs; a run another process claimed first is not run here, and not remembered', async () => {
    // Another gateway process claimed it (and crashed mid-run, or its report never landed): this one has no memory of it.
    const airlock = fakeAirlock([{ status: 200, body: undefined }], { claimedBy: 'another-process' });
    const upstream = countingUpstream();
    const { client, close } = await sessionWith(await airlock.connect(), upstream);
    try {
      const checked = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: airlock.actionId } })) as CallToolResult;
      expect(checked.isError).toBe(true);
      expect(textOf(checked)).toBe(
        `demo.echo was not run here: this call was already started by another run (the run was already claimed by another runner at 2030-01-01T00:00:00.000Z), and its result is not known here. It shows in Airlock (action ${airlock.actionId}) once that run reports it; do not call demo.echo again for this.`,
      );
      expect(upstream.runs).toBe(0);
      expect(airlock.reports).toEqual([]);
      expect(rememberedRun(airlock.actionId)).toBe(false);
      expect(airlock.claims).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('a claim whose answer was lost is claimed again as the same runner: the check then runs the upstream, once', async () => {
    const airlock = fakeAirlock([{ status: 200, body: undefined }], { loseFirstClaimAnswer: true });
    const upstream = countingUpstream();
    const { client, close } = await sessionWith(await airlock.connect(), upstream);
    try {
      const first = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: airlock.actionId } })) as CallToolResult;
      expect(first.isError).toBe(true);
      expect(textOf(first)).toMatch(/^demo\.echo was not run: Airlock could not record that it starts .*; call airlock\.check with the actionId to try again$/);
      const again = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: airlock.actionId } })) as CallToolResult;
      expect(again.isError).toBeFalsy();
      expect(upstream.runs).toBe(1);
      expect(airlock.claims).toHaveLength(2);
      expect(new Set(airlock.claims).size).toBe(1);
    } finally {
      await close();
    }
  });

  it('a report Airlock refuses becomes a failed report saying the tool ran; a check never runs the tool again', async () => {
    // Refused twice: the run's report and the failed report that replaces it, so Airlock still says "authorized".
    const airlock = fakeAirlock([refused]);
    const upstream = countingUpstream();
    const logs: string[] = [];
    const { client, close } = await sessionWith(await airlock.connect(), upstream, logs);
    try {
      const first = (await client.callTool({ name: 'demo.echo', arguments: { message: 'hi' } })) as CallToolResult;
      expect(textOf(first)).toBe('echo, run 1');
      expect(airlock.reports).toMatchObject([
        { status: 'succeeded' },
        { status: 'failed', error: 'the upstream tool ran, but Airlock refused the report of its result: invalid request: output: not storable' },
      ]);
      const checked = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: airlock.actionId } })) as CallToolResult;
      expect(textOf(checked)).toBe('echo, run 1');
      expect(upstream.runs).toBe(1);
      expect(logs.join('\n')).toMatch(/refused the report of its upstream run too/);
    } finally {
      await close();
    }
  });

  it('a refused report replaced by an accepted failed report closes the action: a check answers from Airlock', async () => {
    const airlock = fakeAirlock([refused, { status: 200, body: undefined }]);
    const upstream = countingUpstream();
    const { client, close } = await sessionWith(await airlock.connect(), upstream);
    try {
      await client.callTool({ name: 'demo.echo', arguments: { message: 'hi' } });
      const checked = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: airlock.actionId } })) as CallToolResult;
      expect(checked.isError).toBe(true);
      expect(textOf(checked)).toMatch(/^the tool failed: the upstream tool ran, but Airlock refused the report/);
      expect(upstream.runs).toBe(1);
    } finally {
      await close();
    }
  });

  it('a report that fails on a blip is retried until Airlock accepts it', async () => {
    const airlock = fakeAirlock([unavailable, unavailable, { status: 200, body: undefined }]);
    const upstream = countingUpstream();
    const { client, close } = await sessionWith(await airlock.connect(), upstream);
    try {
      await client.callTool({ name: 'demo.echo', arguments: { message: 'hi' } });
      expect(airlock.reports).toHaveLength(3);
      expect(airlock.reports.every((report) => (report as { status: string }).status === 'succeeded')).toBe(true);
      const checked = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: airlock.actionId } })) as CallToolResult;
      expect(textOf(checked)).toBe('echo, run 1');
      expect(upstream.runs).toBe(1);
    } finally {
      await close();
    }
  });

  it('sends a long upstream error whole: Airlock cuts it, with a marker, and audits the cut', async () => {
    const airlock = fakeAirlock([{ status: 200, body: undefined }]);
    const upstream = countingUpstream();
    const error = `${'a'.repeat(9999)}\u{1F600}tail`;
    upstream.call = () => {
      upstream.runs += 1;
      return Promise.resolve({ isError: true, content: [{ type: 'text', text: error }] });
    };
    const { client, close } = await sessionWith(await airlock.connect(), upstream);
    try {
      await client.callTool({ name: 'demo.echo', arguments: { message: 'hi' } });
      expect(airlock.reports).toEqual([{ authorizationId: 'auth-1', args: { message: 'hi' }, status: 'failed', error }]);
    } finally {
      await close();
    }
  });

  it('closing waits for a report still being retried in the background, and delivers it', async () => {
    const airlock = fakeAirlock([unavailable]);
    const upstream = countingUpstream();
    const { client, close } = await sessionWith(await airlock.connect(), upstream, [], { inlineReportRetryMs: 100 });
    // The answer goes back while Airlock is still down; the report goes on in the background.
    await client.callTool({ name: 'demo.echo', arguments: { message: 'hi' } });
    await close();
    expect(rememberedRun(airlock.actionId)).toBe(true);
    // Airlock is back just as the gateway closes (the client went away): closing waits for the report.
    airlock.reportAnswers.push({ status: 200, body: undefined });
    await settleReports({ log: () => undefined });
    expect(airlock.reports.length).toBeGreaterThan(1);
    expect(airlock.reports.at(-1)).toMatchObject({ status: 'succeeded' });
    expect(rememberedRun(airlock.actionId)).toBe(false);
  });

  it('closing waits at most its grace period, and names each action whose report is still undelivered', async () => {
    const airlock = fakeAirlock([unavailable]);
    const upstream = countingUpstream();
    const { client, close } = await sessionWith(await airlock.connect(), upstream, [], { inlineReportRetryMs: 100 });
    try {
      await client.callTool({ name: 'demo.echo', arguments: { message: 'hi' } });
      await close();
      const logs: string[] = [];
      await settleReports({ graceMs: 50, log: (line) => logs.push(line) });
      // The run was claimed: Airlock ends it as "may have run", never as unused.
      expect(logs.join('\n')).toContain(
        `action ${airlock.actionId}: the gateway is exiting before its upstream run's report reached Airlock; its run was claimed, so when its authorization runs out ` +
          'Airlock ends it as "the tool may have run and its result is unknown", its budget kept spent (check what the tool did)',
      );
    } finally {
      // Let the background delivery end.
      airlock.reportAnswers.push({ status: 200, body: undefined });
      await settleReports({ log: () => undefined });
    }
  });

  it('forgets a run whose authorization has expired, its report never accepted', async () => {
    const expiresInMs = 3_000;
    const airlock = fakeAirlock([refused], { expiresInMs });
    const upstream = countingUpstream();
    const { client, close } = await sessionWith(await airlock.connect(), upstream);
    try {
      await client.callTool({ name: 'demo.echo', arguments: { message: 'hi' } });
      expect(rememberedRun(airlock.actionId) || Date.now() >= Date.parse(airlock.expiresAt)).toBe(true);
      await vi.waitFor(() => expect(rememberedRun(airlock.actionId)).toBe(false), { timeout: expiresInMs + 10_000, interval: 100 });
    } finally {
      await close();
    }
  });

  it('never evicts a run still under way, past the limit of remembered runs', async () => {
    const running = fakeAirlock([{ status: 200, body: undefined }]);
    const slow = countingUpstream();
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    let started!: () => void;
    const isRunning = new Promise<void>((resolve) => (started = resolve));
    slow.call = async () => {
      slow.runs += 1;
      started();
      await finished;
      return { content: [{ type: 'text', text: `slow ${slow.runs}` }] };
    };
    const first = await sessionWith(await running.connect(), slow, [], { maxRememberedRuns: 1 });
    const other = fakeAirlock([refused]);
    const second = await sessionWith(await other.connect(), countingUpstream(), [], { maxRememberedRuns: 1 });
    try {
      const call = first.client.callTool({ name: 'demo.echo', arguments: { message: 'hi' } });
      await isRunning;
      // Another run past the limit (1), kept (its report refused): the one still running must stay remembered.
      await second.client.callTool({ name: 'demo.echo', arguments: { message: 'hi' } });
      expect(rememberedRun(other.actionId)).toBe(true);
      expect(rememberedRun(running.actionId)).toBe(true);
      finish();
      expect(textOf((await call) as CallToolResult)).toBe('slow 1');
      expect(slow.runs).toBe(1);
    } finally {
      finish();
      await first.close();
      await second.close();
    }
  });

  it('remembers a large result as reported (capped), not whole', async () => {
    const airlock = fakeAirlock([refused]);
    const upstream = countingUpstream();
    const big = 'x'.repeat(300 * 1024);
    upstream.call = () => {
      upstream.runs += 1;
      return Promise.resolve({ content: [{ type: 'text', text: big }] });
    };
    const { client, close } = await sessionWith(await airlock.connect(), upstream);
    try {
      const first = (await client.callTool({ name: 'demo.echo', arguments: { message: 'hi' } })) as CallToolResult;
      expect(textOf(first)).toBe(big);
      const checked = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: airlock.actionId } })) as CallToolResult;
      expect(textOf(checked)).toMatch(/^\(the upstream result was \d+ bytes; too large to keep in Airlock\)$/);
      expect(upstream.runs).toBe(1);
    } finally {
      await close();
    }
  });
});

describe('an authorized action is claimed only once its upstream tool is there to run it', () => {
  it('an upstream in its retry back-off: a check leaves the action unclaimed and authorized, and runs it once the upstream is back', async () => {
    const airlock = fakeAirlock([{ status: 200, body: undefined }]);
    const upstream = countingUpstream();
    const offered = upstream.find;
    upstream.find = () =>
      Promise.reject(new UpstreamUnavailableError('upstream MCP server "demo" did not start or answer: spawn ENOENT; its tools are unavailable for now, try again later'));
    const { client, close } = await sessionWith(await airlock.connect(), upstream);
    try {
      const first = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: airlock.actionId } })) as CallToolResult;
      expect(first.isError).toBe(true);
      expect(textOf(first)).toBe(
        `demo.echo was not run: its upstream is unavailable (upstream MCP server "demo" did not start or answer: spawn ENOENT; its tools are unavailable for now, try again later); ` +
          `it stays authorized in Airlock until ${airlock.expiresAt}: call ${CHECK_TOOL} with {"actionId": "${airlock.actionId}"} again later`,
      );
      expect(airlock.claims).toEqual([]);
      expect(airlock.reports).toEqual([]);
      expect(rememberedRun(airlock.actionId)).toBe(false);

      upstream.find = offered;
      const again = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: airlock.actionId } })) as CallToolResult;
      expect(textOf(again)).toBe('echo, run 1');
      expect(airlock.claims).toHaveLength(1);
      expect(airlock.reports).toMatchObject([{ status: 'succeeded' }]);
    } finally {
      await close();
    }
  });

  it('a check of an action whose tool no upstream here offers (another runner’s) claims nothing and runs nothing', async () => {
    const airlock = fakeAirlock([{ status: 200, body: undefined }]);
    const upstream = countingUpstream();
    upstream.find = () => Promise.resolve(undefined);
    const { client, close } = await sessionWith(await airlock.connect(), upstream);
    try {
      const checked = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: airlock.actionId } })) as CallToolResult;
      expect(checked.isError).toBe(true);
      expect(textOf(checked)).toMatch(/^demo\.echo was not run: no upstream of this gateway offers it now; it stays authorized in Airlock until /);
      expect(airlock.claims).toEqual([]);
      expect(airlock.reports).toEqual([]);
      expect(upstream.runs).toBe(0);
    } finally {
      await close();
    }
  });
});

describe('an upstream call that failed', () => {
  it('before it reached the upstream: reported failed, saying the tool did not run', async () => {
    const airlock = fakeAirlock([{ status: 200, body: undefined }]);
    const upstream = countingUpstream();
    upstream.call = () => Promise.reject(new UpstreamNotCalledError('upstream MCP server "demo" did not start or answer: spawn ENOENT'));
    const { client, close } = await sessionWith(await airlock.connect(), upstream);
    try {
      const result = (await client.callTool({ name: 'demo.echo', arguments: { message: 'hi' } })) as CallToolResult;
      expect(textOf(result)).toBe(
        'the upstream call failed (the call never reached the upstream: the tool did not run): upstream MCP server "demo" did not start or answer: spawn ENOENT',
      );
      expect(airlock.reports).toEqual([
        {
          authorizationId: 'auth-1',
          args: { message: 'hi' },
          status: 'failed',
          error: 'upstream call failed (the call never reached the upstream: the tool did not run): upstream MCP server "demo" did not start or answer: spawn ENOENT',
        },
      ]);
    } finally {
      await close();
    }
  });

  it('with no answer that says how it ended: the tool may have run; no report (Airlock ends the claimed run as such), and a check answers the same', async () => {
    const airlock = fakeAirlock([{ status: 200, body: undefined }]);
    const upstream = countingUpstream();
    upstream.call = () => {
      upstream.runs += 1;
      return Promise.reject(new UpstreamOutcomeUnknownError('the call to upstream MCP server "demo" got no answer that says how it ended: MCP error -32001: Request timed out'));
    };
    const logs: string[] = [];
    const { client, close } = await sessionWith(await airlock.connect(), upstream, logs);
    try {
      const result = (await client.callTool({ name: 'demo.echo', arguments: { message: 'hi' } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe(
        'demo.echo may have run: the call to upstream MCP server "demo" got no answer that says how it ended: MCP error -32001: Request timed out. ' +
          'Its result is unknown, and Airlock records it as such. Do not call demo.echo again for this before finding out whether it took effect.',
      );
      expect(airlock.claims).toHaveLength(1);
      expect(airlock.reports).toEqual([]);
      expect(logs.join('\n')).toContain(`action ${airlock.actionId}: the call to upstream MCP server "demo" got no answer`);
      const checked = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: airlock.actionId } })) as CallToolResult;
      expect(textOf(checked)).toBe(textOf(result));
      expect(upstream.runs).toBe(1);
    } finally {
      await close();
    }
  });
});
