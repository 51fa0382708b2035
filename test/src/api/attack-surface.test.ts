import * as consoleApi from '@airlock/console';
import {
  admittedRoles,
  MAX_REPORT_BODY_BYTES,
  apiRoutes,
  getAuthorization,
  postAction,
  postAuthorization,
  postDecision,
  postReport,
  routed,
  schemas,
  type ApiContext,
  type ApiRoute,
} from '@airlock/console';
import { actionHandle, submitAction } from '@airlock/core/gateway';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, expectError, expectJson, useApiHarness, waitForActionStatus } from './client.js';

// The whole route table walked as an attacker: one agent's key, and each console role. A route added
// later is refused (403) to every caller not listed for it here, so widening access is a visible choice.

const { h, ctx, keys } = useApiHarness();
/** billing-bot's refund, run by the worker, waiting for a person. */
let refundId: string;
/** billing-bot's gate-only refund, waiting for a person. */
let gateId: string;

type Handler = (request: Request, ctx: ApiContext, params?: { id: string }) => Promise<Response>;
const routeName = (route: ApiRoute) => `${route.method.toUpperCase()} ${route.path}`;

function handlerOf(route: ApiRoute): Handler {
  const name = route.handler.split('#')[1] ?? '';
  const handler = (consoleApi as unknown as Record<string, Handler | undefined>)[name];
  if (!handler) throw new Error(`@airlock/console exports no ${name} (${route.handler})`);
  return handler;
}

/**
 * Calls a route's handler, with `body` sent as is (JSON unless `contentType` says otherwise); `layered`, through the
 * route layer Next.js runs before it (the row's access, then its body rule), as a route file serves it.
 */
async function call(route: ApiRoute, init: { key?: string; body?: string; contentType?: string; id?: string; query?: string; layered?: boolean }): Promise<Response> {
  const id = init.id ?? refundId;
  const headers: Record<string, string> = init.key ? { authorization: `Bearer ${init.key}` } : {};
  const body = route.method === 'get' ? undefined : init.body;
  if (body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  const request = new Request(`http://airlock.test${route.path.replace('{id}', id)}${init.query ?? ''}`, {
    method: route.method.toUpperCase(),
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const handler = init.layered ? routed(handlerOf(route)) : handlerOf(route);
  return handler(request, ctx, route.path.includes('{id}') ? { id } : undefined);
}

/** What an agent key may call; every other route is a person's (403 for an agent). */
const AGENT_ROUTES = new Set([
  'POST /api/v1/actions',
  'POST /api/v1/authorizations',
  'GET /api/v1/actions/{id}/authorization',
  'POST /api/v1/actions/{id}/report',
  'POST /api/v1/actions/{id}/claim',
  'GET /api/v1/agents/me',
  'GET /api/v1/actions/{id}',
  'GET /api/v1/actions/{id}/outcome',
  'GET /api/v1/actions/{id}/status',
  'POST /api/v1/actions/{id}/cancel',
  'GET /api/v1/openapi.json',
]);
/** What a viewer may call besides the agent-free reads below: nothing that decides or changes anything. */
const VIEWER_ROUTES = new Set([
  'GET /api/v1/actions/{id}/authorization',
  'GET /api/v1/actions/{id}',
  'GET /api/v1/actions/{id}/outcome',
  'GET /api/v1/actions/{id}/status',
  'GET /api/v1/approvals',
  'GET /api/v1/audit',
  'GET /api/v1/audit/verify',
  'GET /api/v1/kill-switch',
  'GET /api/v1/standing-approvals',
  'GET /api/v1/budgets',
  'GET /api/v1/agents',
  'GET /api/v1/policy',
  'GET /api/v1/policy/shadow',
  'POST /api/v1/policy/dry-run',
  'POST /api/v1/policy/backtest',
  'GET /api/v1/openapi.json',
]);
/** An approver decides and grants standing approvals; management stays the admin's. */
const APPROVER_ROUTES = new Set([
  ...VIEWER_ROUTES,
  'POST /api/v1/actions/{id}/decisions',
  'POST /api/v1/actions/{id}/approve-and-remember',
  'POST /api/v1/standing-approvals',
  'POST /api/v1/standing-approvals/{id}/revoke',
]);

beforeAll(async () => {
  const refund = { tool: 'payments.refund', args: { paymentId: 'pay_1', amount: '125.00', currency: 'EUR', reason: 'x' }, rationale: 'r', idempotencyKey: 'atk-1' };
  refundId = (await expectJson(postAction(apiRequest('/api/v1/actions', { key: keys.agent, body: refund }), ctx), 202, schemas.SubmittedActionView)).actionId;
  const gate = { ...refund, idempotencyKey: 'atk-2' };
  gateId = (await expectJson(postAuthorization(apiRequest('/api/v1/authorizations', { key: keys.agent, body: gate }), ctx), 202, schemas.SubmittedActionView)).actionId;
  await waitForActionStatus(ctx, keys.agent, refundId, ['awaiting_approval']);
  await waitForActionStatus(ctx, keys.agent, gateId, ['awaiting_approval']);
}, 120_000);

/** Each route called by `key` with an empty JSON object; the routes whose answer is not `status`. */
async function routesNotAnswering(key: string, status: number, except: Set<string>): Promise<string[]> {
  const wrong: string[] = [];
  for (const route of apiRoutes) {
    if (except.has(routeName(route))) continue;
    const res = await call(route, { key, body: '{}' });
    if (res.status !== status) wrong.push(`${routeName(route)}: ${res.status} ${await res.text()}`);
  }
  return wrong;
}

describe('an agent key', () => {
  it('is refused (403) on every route that is not an agent’s: decisions, raw args, audit, management', async () => {
    expect(await routesNotAnswering(keys.agent, 403, AGENT_ROUTES)).toEqual([]);
  });

  it('cannot see, cancel, or report on another agent’s action: to it the action does not exist (404)', async () => {
    for (const route of apiRoutes.filter((r) => AGENT_ROUTES.has(routeName(r)) && r.path.includes('{id}'))) {
      for (const id of [refundId, gateId]) {
        const body = route.path.endsWith('/report')
          ? JSON.stringify({ authorizationId: 'a', args: {}, status: 'succeeded' })
          : route.path.endsWith('/claim')
            ? JSON.stringify({ authorizationId: 'a', runnerId: 'r' })
            : '{}';
        await expectError(call(route, { key: keys.otherAgent, body, id }), 404, 'not_found');
      }
    }
    // Still waiting: nothing the other agent sent reached it.
    await waitForActionStatus(ctx, keys.agent, gateId, ['awaiting_approval']);
  });

  it('cannot tell another agent’s action exists before it is admitted (its id follows from a guessable idempotency key)', async () => {
    // A queue no worker polls: the workflow exists, its memo names billing-bot, and no row is ever written.
    const { actionId } = await submitAction(h.client, 'attack-surface-no-worker', { agentId: 'billing-bot', tool: 'demo.echo', args: {}, idempotencyKey: 'order-881' });
    try {
      const read = (route: string, key: string) =>
        call(
          apiRoutes.find((r) => routeName(r) === route)!,
          { key, id: actionId },
        );
      for (const route of ['GET /api/v1/actions/{id}', 'GET /api/v1/actions/{id}/outcome']) {
        await expectError(read(route, keys.otherAgent), 404, 'not_found');
        expect((await read(route, keys.agent)).status).toBe(202);
        expect((await read(route, keys.victor)).status).toBe(202);
      }
    } finally {
      await actionHandle(h.client, actionId).terminate('test over');
    }
  });

  it('cannot act as another agent by naming it', async () => {
    const named = new Request(`http://airlock.test/api/v1/actions/${gateId}/authorization`, {
      headers: { authorization: `Bearer ${keys.otherAgent}`, 'airlock-agent-id': 'billing-bot' },
    });
    const error = await expectError(getAuthorization(named, ctx, { id: gateId }), 403, 'forbidden');
    expect(error.message).toMatch(/belongs to agent "support-bot"/);
  });
});

describe('a person’s key', () => {
  it('a viewer changes nothing and decides nothing (403 on every write but the dry runs)', async () => {
    expect(await routesNotAnswering(keys.victor, 403, VIEWER_ROUTES)).toEqual([]);
  });

  it('a viewer’s decision is refused for the role before its body is looked at, and the attempt is audited', async () => {
    const decisions = apiRoutes.find((r) => routeName(r) === 'POST /api/v1/actions/{id}/decisions');
    if (!decisions) throw new Error('no decisions route');
    const before = await h.db.prisma.auditEvent.count({ where: { type: 'operator.forbidden', actor: 'user:victor' } });
    for (const body of ['{}', '{"decision":"approve"', JSON.stringify({ decision: 'approve', argsHash: 'x', zzz: 1 })]) {
      await expectError(call(decisions, { key: keys.victor, body }), 403, 'forbidden');
    }
    expect(await h.db.prisma.auditEvent.count({ where: { type: 'operator.forbidden', actor: 'user:victor' } })).toBe(before + 3);
  });

  it('an approver manages nothing: users, keys, agents, budgets, kill switches, webhooks and raw arguments are the admin’s', async () => {
    expect(await routesNotAnswering(keys.alice, 403, APPROVER_ROUTES)).toEqual([]);
  });
});

describe('a key its route’s row does not admit, through the route layer', () => {
  const callers = () => ({ agent: keys.agent, viewer: keys.victor, approver: keys.alice, admin: keys.bob });

  it('these lists are the route table’s access, so a change to either is seen here', () => {
    for (const route of apiRoutes.filter((r) => r.access !== 'public')) {
      const roles = admittedRoles(route.access);
      expect(roles.includes('agent'), `${routeName(route)} agent`).toBe(AGENT_ROUTES.has(routeName(route)));
      expect(roles.includes('viewer'), `${routeName(route)} viewer`).toBe(VIEWER_ROUTES.has(routeName(route)));
      expect(roles.includes('approver'), `${routeName(route)} approver`).toBe(APPROVER_ROUTES.has(routeName(route)));
    }
  });

  it('is refused 403 whatever it sends (a body where none is taken, malformed JSON where one is, an unknown query parameter), and a refused person is audited where the use case would be', async () => {
    const wrong: string[] = [];
    let audited = 0;
    const before = await h.db.prisma.auditEvent.count({ where: { type: 'operator.forbidden' } });
    for (const route of apiRoutes) {
      if (route.access === 'public') continue;
      for (const [who, key] of Object.entries(callers())) {
        if (admittedRoles(route.access).includes(who)) continue;
        const input = route.method === 'get' ? { query: '?zzz=1' } : route.request?.body === undefined ? { body: '{"reason":"customer asked"}' } : { body: '{"tool":' };
        const res = await call(route, { key, layered: true, ...input });
        const text = await res.text();
        if (res.status !== 403 || schemas.ErrorBody.parse(JSON.parse(text)).error.code !== 'forbidden') wrong.push(`${routeName(route)} as ${who}: ${res.status} ${text}`);
        if (who !== 'agent' && route.access.audited) audited += 1;
      }
    }
    expect(wrong).toEqual([]);
    expect(audited).toBeGreaterThan(50);
    expect(await h.db.prisma.auditEvent.count({ where: { type: 'operator.forbidden' } })).toBe(before + audited);
    // Nothing a refused caller sent reached the action: it still waits for a person, its arguments never revealed.
    await waitForActionStatus(ctx, keys.agent, refundId, ['awaiting_approval']);
    expect(await h.db.prisma.auditEvent.count({ where: { type: 'action.args_revealed', actionId: refundId } })).toBe(0);
  });

  it('a key it admits still gets through the route layer', async () => {
    const read = apiRoutes.find((r) => routeName(r) === 'GET /api/v1/actions/{id}')!;
    for (const key of Object.values(callers())) expect((await call(read, { key, layered: true })).status).toBe(200);
    const cancel = apiRoutes.find((r) => routeName(r) === 'POST /api/v1/actions/{id}/cancel')!;
    // An admin's cancel with a member in its body is the body's 400 (the route takes none), not a 403.
    await expectError(call(cancel, { key: keys.bob, layered: true, body: '{"reason":"customer asked"}' }), 400, 'invalid_request');
  });
});

describe('bad input is a 4xx in the API’s error shape, never a 500 or a stack trace', () => {
  const withBody = () => apiRoutes.filter((route) => route.request?.body !== undefined);
  const keyFor = (route: ApiRoute) => (AGENT_ROUTES.has(routeName(route)) ? keys.agent : keys.bob);

  it.each([
    ['malformed JSON', { body: '{"tool":' }, 400, 'invalid_json'],
    ['another content type', { body: '{}', contentType: 'text/plain' }, 415, 'unsupported_media_type'],
    ['a body over the limit (1 MiB; a report, whose tool has run, 16 MiB)', { body: JSON.stringify({ pad: 'x'.repeat(1_100_000) }) }, 413, 'payload_too_large'],
    ['an array for the object', { body: '[{}]' }, 400, 'invalid_request'],
    ['an unknown field', { body: '{"zzz":1}' }, 400, 'invalid_request'],
  ] as const)('%s', async (_what, init, status, code) => {
    expect(withBody().length).toBeGreaterThan(20);
    for (const route of withBody()) {
      // A report's fields depend on its status: name one, so the unknown field is what is left to refuse. A report's
      // body may be larger than any other (MAX_REPORT_BODY_BYTES): past its own limit it is refused the same way.
      const report = route.path.endsWith('/report');
      const body =
        init.body === '{"zzz":1}' && report ? '{"status":"failed","zzz":1}' : status === 413 && report ? JSON.stringify({ pad: 'x'.repeat(MAX_REPORT_BODY_BYTES + 1) }) : init.body;
      const res = await call(route, { key: keyFor(route), ...init, body });
      const text = await res.clone().text();
      expect(`${routeName(route)}: ${res.status}`, text).toBe(`${routeName(route)}: ${status}`);
      const error = await expectError(res, status, code);
      if (code === 'invalid_request' && init.body === '{"zzz":1}') expect(error.issues, text).toContainEqual({ path: 'zzz', message: 'Unrecognized key: "zzz"' });
    }
  });

  it('an unknown query parameter is refused naming it, not dropped (a misspelt waitMs would turn a long poll into a busy one)', async () => {
    const withQuery = apiRoutes.filter((route) => route.request?.query !== undefined);
    expect(withQuery.map(routeName)).toContain('GET /api/v1/actions/{id}/outcome');
    for (const route of withQuery) {
      const res = await call(route, { key: keyFor(route), id: gateId, query: '?waitMS=20000' });
      const text = await res.clone().text();
      expect(`${routeName(route)}: ${res.status}`, text).toBe(`${routeName(route)}: 400`);
      const error = await expectError(res, 400, 'invalid_request');
      expect(error.issues, text).toContainEqual({ path: 'waitMS', message: expect.stringMatching(/^Unrecognized key: "waitMS"/) });
    }
  });

  it('a parameter given twice is refused naming it, not read as either value (`?status=closed&status=open` listed the open approvals)', async () => {
    const withQuery = apiRoutes.filter((route) => route.request?.query !== undefined);
    expect(withQuery.map(routeName)).toEqual(expect.arrayContaining(['GET /api/v1/approvals', 'GET /api/v1/actions/{id}/outcome', 'GET /api/v1/webhooks/deliveries']));
    for (const route of withQuery) {
      const name = Object.keys((route.request!.query as { shape: Record<string, unknown> }).shape)[0]!;
      const res = await call(route, { key: keyFor(route), id: gateId, query: `?${name}=1&${name}=2` });
      const text = await res.clone().text();
      expect(`${routeName(route)}: ${res.status}`, text).toBe(`${routeName(route)}: 400`);
      const error = await expectError(res, 400, 'invalid_request');
      expect(error.issues, text).toEqual([{ path: name, message: expect.stringMatching(/given more than once/) }]);
    }
  });

  it('so is any query parameter on a route that takes none, in the route layer before its handler (`GET /agents?team=x` would read as filtered)', async () => {
    const withoutQuery = apiRoutes.filter((route) => route.request?.query === undefined);
    expect(withoutQuery.map(routeName)).toEqual(expect.arrayContaining(['GET /api/v1/agents', 'GET /api/v1/users', 'GET /api/v1/actions/{id}/status', 'GET /api/v1/audit/verify']));
    const before = await h.db.prisma.auditEvent.count();
    for (const route of withoutQuery) {
      const res = await call(route, { key: keyFor(route), id: gateId, query: '?team=x', layered: true, ...(route.request?.body ? { body: '{}' } : {}) });
      const text = await res.clone().text();
      expect(`${routeName(route)}: ${res.status}`, text).toBe(`${routeName(route)}: 400`);
      const error = await expectError(res, 400, 'invalid_request');
      expect(error.issues, text).toEqual([{ path: 'team', message: expect.stringMatching(/^Unrecognized key: "team"/) }]);
    }
    // Nothing ran: no handler wrote a row.
    expect(await h.db.prisma.auditEvent.count()).toBe(before);
  });
});

describe('a report’s output is made storable, so what the agent reports can be hashed and stored and is never refused for its content', () => {
  /** A gate-only action of billing-bot, approved by alice: authorized, waiting for the agent’s report. */
  async function authorizedGate(idempotencyKey: string) {
    const body = { tool: 'payments.refund', args: { paymentId: 'pay_2', amount: '125.00', currency: 'EUR', reason: 'x' }, rationale: 'r', idempotencyKey };
    const { actionId, argsHash } = await expectJson(postAuthorization(apiRequest('/api/v1/authorizations', { key: keys.agent, body }), ctx), 202, schemas.SubmittedActionView);
    await waitForActionStatus(ctx, keys.agent, actionId, ['awaiting_approval']);
    await expectJson(
      postDecision(apiRequest(`/api/v1/actions/${actionId}/decisions`, { key: keys.alice, body: { decision: 'approve', argsHash } }), ctx, { id: actionId }),
      200,
      schemas.DecideResultView,
    );
    const read = getAuthorization(apiRequest(`/api/v1/actions/${actionId}/authorization?waitMs=20000`, { key: keys.agent }), ctx, { id: actionId });
    return { actionId, authorization: await expectJson(read, 200, schemas.AuthorizationView) };
  }
  const report = (actionId: string, rawBody: string) => postReport(apiRequest(`/api/v1/actions/${actionId}/report`, { key: keys.agent, rawBody }), ctx, { id: actionId });

  it('nesting too deep to hash or store is recorded as its JSON text, not a stack overflow (500) nor a refusal of a tool that ran', async () => {
    const { actionId, authorization } = await authorizedGate('deep-output');
    const deep = `${'['.repeat(50_000)}"bottom"${']'.repeat(50_000)}`;
    const fields = `"authorizationId":"${authorization.authorizationId}","args":${JSON.stringify(authorization.args)},"status":"succeeded"`;
    const done = await expectJson(report(actionId, `{${fields},"output":{"rows":${deep}}}`), 200, schemas.ActionOutcome);
    expect(done).toEqual({
      status: 'executed',
      actionId,
      output: {
        airlock: 'output not storable as sent',
        problem: expect.stringMatching(/^output\.rows(\.0)+: nested 33 levels deep; at most 32 levels allowed$/),
        json: `{"rows":${deep}}`,
      },
    });
  });

  it('a NUL character, which PostgreSQL cannot store, is escaped in the stored form instead of refusing the report', async () => {
    const { actionId, authorization } = await authorizedGate('nul-output');
    const fields = { authorizationId: authorization.authorizationId, args: authorization.args };
    const done = await expectJson(report(actionId, JSON.stringify({ ...fields, status: 'succeeded', output: { text: 'a\u0000b' } })), 200, schemas.ActionOutcome);
    expect(done).toMatchObject({
      status: 'executed',
      actionId,
      output: { problem: 'output.text: must not contain NUL characters (PostgreSQL cannot store them)', json: '{"text":"a\\u0000b"}' },
    });
    await waitForActionStatus(ctx, keys.agent, actionId, ['executed']);
  });
});
