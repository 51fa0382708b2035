import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { takesNoBody, type ApiRoute } from './api-route.js';
import type * as Auth from './auth.js';
import type { ApiContext } from './context.js';
import { unauthenticated } from './errors.js';
import { nextRoute, nextRouteWithId } from './next-routes.js';
import { apiRoutes, openApiDocument } from './openapi.js';
import { routeOf } from './route-access.js';
import { ErrorBody } from './schemas.js';

// A route that reads no body (cancel, revoke, delete) refuses one with anything in it, in the route layer
// every route file goes through, before its handler: the handler would drop it without a word.

const noBodyRoutes = apiRoutes.filter(takesNoBody);

// A body is refused only to a caller its row admits (401 first, then 403: route-access.unit.test.ts). The key
// lookup needs the database: a stand-in takes the keys these requests carry, an admin's and an agent's;
// test/src/api/no-body.e2e.test.ts runs the real one.
vi.mock('./auth.js', async (importOriginal) => ({
  ...(await importOriginal<typeof Auth>()),
  authenticate: async (request: Request): Promise<Auth.Principal> => {
    const key = request.headers.get('authorization');
    if (key === 'Bearer alk_unit') return { kind: 'user', keyId: 'k-1', userId: 'bob', name: 'Bob', role: 'admin' };
    if (key === 'Bearer alk_unit_agent') return { kind: 'agent', keyId: 'k-2', agentId: 'billing-bot', profile: { team: 'billing', ownerId: null, allowedTools: [] } };
    throw unauthenticated('unknown or revoked API key');
  },
}));

/** A key the row admits: the admin's, or the agent's on a route only agents call. */
const keyFor = (route: ApiRoute) => (route.access !== 'public' && route.access.users === undefined ? 'alk_unit_agent' : 'alk_unit');

/** The route as Next serves it: the route file's adapter around a handler that answers 200 and records that it ran. */
function served(route: ApiRoute) {
  const handler = vi.fn(async (request: Request) => new Response(JSON.stringify({ ran: true, body: await request.text() }), { status: 200 }));
  const url = `http://airlock.test${route.path.replace(/\{\w+\}/g, 'id-1')}`;
  const call = (init: { body?: string; contentType?: string; key?: string | null; query?: string } = {}) => {
    const key = init.key === undefined ? keyFor(route) : init.key;
    const request = new Request(`${url}${init.query ?? ''}`, {
      method: route.method.toUpperCase(),
      headers: { ...(init.contentType ? { 'content-type': init.contentType } : {}), ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    return route.path.includes('{') ? nextRouteWithId(handler)(request, { params: Promise.resolve({ id: 'id-1' }) }) : nextRoute(handler)(request);
  };
  return { handler, call };
}

async function errorOf(response: Response) {
  expect(response.status).toBe(400);
  return ErrorBody.parse(await response.json()).error;
}

// The adapters hand the handler the process's context; these handlers never look at it.
const holder = globalThis as typeof globalThis & { airlockApiContext?: ApiContext };
let saved: ApiContext | undefined;
beforeEach(() => {
  saved = holder.airlockApiContext;
  holder.airlockApiContext = {} as ApiContext;
});
afterEach(() => {
  holder.airlockApiContext = saved;
});

describe('a body sent to a route that reads none', () => {
  it('is refused on these routes, the table’s rows that document no body for a method that could carry one', () => {
    expect(noBodyRoutes.map((route) => `${route.method} ${route.path}`).sort()).toEqual([
      'delete /api/v1/budgets/{id}',
      'delete /api/v1/policy/shadow',
      'delete /api/v1/slack-links/{id}',
      'delete /api/v1/webhooks/{id}',
      'post /api/v1/actions/{id}/cancel',
      'post /api/v1/actions/{id}/raw-args',
      'post /api/v1/keys/{id}/revoke',
      'post /api/v1/standing-approvals/{id}/revoke',
      'post /api/v1/webhooks/deliveries/{id}/replay',
    ]);
  });

  it.each(noBodyRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))('%s: a member is a 400 naming it, and the handler never runs', async (_, route) => {
    const { handler, call } = served(route);
    const error = await errorOf(await call({ body: JSON.stringify({ reason: 'customer asked' }), contentType: 'application/json' }));
    expect(error).toEqual({
      code: 'invalid_request',
      message: 'invalid request body: this endpoint takes no request body; got member "reason"',
      issues: [{ path: 'reason', message: 'this endpoint takes no request body' }],
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it.each(noBodyRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))('%s: a caller without a valid key hears 401 first', async (_, route) => {
    const { handler, call } = served(route);
    for (const key of [null, 'alk_revoked']) {
      const response = await call({ body: JSON.stringify({ reason: 'customer asked' }), contentType: 'application/json', key });
      expect(response.status).toBe(401);
      expect(ErrorBody.parse(await response.json()).error.code).toBe('unauthenticated');
    }
    expect(handler).not.toHaveBeenCalled();
  });

  it.each(noBodyRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s: no body, an empty one or {} is what clients send for nothing, and passes',
    async (_, route) => {
      const { handler, call } = served(route);
      for (const init of [{}, { body: '' }, { body: '{}', contentType: 'application/json' }, { body: ' { } ', contentType: 'application/json; charset=utf-8' }, { body: '{}' }]) {
        const response = await call(init);
        expect(response.status, JSON.stringify(init)).toBe(200);
      }
      expect(handler).toHaveBeenCalledTimes(5);
    },
  );

  it('names every member, and what came when it is no object', async () => {
    const cancel = served(apiRoutes.find((route) => route.path === '/api/v1/actions/{id}/cancel')!);
    const many = await errorOf(await cancel.call({ body: JSON.stringify({ reason: 'r', a: 1, b: 2, c: 3, d: 4, e: 5 }), contentType: 'application/json' }));
    expect(many.message).toBe('invalid request body: this endpoint takes no request body; got members "reason", "a", "b", "c", "d" and 1 more');
    expect(many.issues?.map((issue) => issue.path)).toEqual(['reason', 'a', 'b', 'c', 'd', 'e']);
    const bodies: [body: string, got: string][] = [
      ['null', 'null'],
      ['[]', 'a list'],
      ['"customer asked"', 'a string'],
      ['7', 'a number'],
      ['reason=customer+asked', 'a body that is not JSON'],
    ];
    for (const [body, got] of bodies) {
      const error = await errorOf(await cancel.call({ body, contentType: body.startsWith('reason') ? 'application/x-www-form-urlencoded' : 'application/json' }));
      expect(error).toEqual({
        code: 'invalid_request',
        message: `invalid request body: this endpoint takes no request body; got ${got}`,
        issues: [{ path: '(root)', message: 'this endpoint takes no request body' }],
      });
    }
    expect(cancel.handler).not.toHaveBeenCalled();
  });

  it('leaves a route that reads its body alone: its handler gets the body unread', async () => {
    const withBody = apiRoutes.filter((route) => route.request?.body !== undefined);
    expect(withBody.length).toBeGreaterThan(10);
    for (const route of withBody) {
      const { handler, call } = served(route);
      const response = await call({ body: JSON.stringify({ reason: 'customer asked' }), contentType: 'application/json' });
      expect(await response.json(), `${route.method} ${route.path}`).toEqual({ ran: true, body: '{"reason":"customer asked"}' });
      expect(handler).toHaveBeenCalledOnce();
    }
  });

  it('is said in the OpenAPI document, on each such operation', () => {
    const paths = openApiDocument().paths ?? {};
    for (const route of noBodyRoutes) {
      const operation = (paths[route.path] as Record<string, { description?: string; responses?: Record<string, unknown> }> | undefined)?.[route.method];
      expect(operation?.description, `${route.method} ${route.path}`).toMatch(/Takes no request body/);
      expect(Object.keys(operation?.responses ?? {}), `${route.method} ${route.path}`).toEqual(expect.arrayContaining(['400', '413']));
    }
    expect(paths['/api/v1/actions']?.post?.description ?? '').not.toMatch(/Takes no request body/);
  });
});

describe('a query sent to a route that reads none', () => {
  const noQueryRoutes = apiRoutes.filter((route) => route.request?.query === undefined);

  it.each(noQueryRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))('%s: a parameter is a 400 naming it, and the handler never runs', async (_, route) => {
    const { handler, call } = served(route);
    const error = await errorOf(await call({ query: '?team=x&from=5' }));
    expect(error.code).toBe('invalid_request');
    expect(error.issues?.map((issue) => issue.path)).toEqual(['team', 'from']);
    expect(error.message).toMatch(/^invalid query: team: .*"team".*from: .*"from"/);
    expect(handler).not.toHaveBeenCalled();
    // None, or a bare "?", is no parameter.
    for (const query of ['', '?']) expect((await call({ query })).status, query).toBe(200);
  });

  it('refuses on the routes the QA tester named, and leaves a route with a query to its handler', async () => {
    const named = [
      'get /api/v1/agents',
      'get /api/v1/users',
      'get /api/v1/agents/{id}/keys',
      'get /api/v1/audit/verify',
      'get /api/v1/kill-switch',
      'get /api/v1/policy',
      'get /api/v1/webhooks',
      'get /api/v1/actions/{id}',
      'get /api/v1/actions/{id}/status',
    ];
    expect(noQueryRoutes.map((route) => `${route.method} ${route.path}`)).toEqual(expect.arrayContaining(named));
    const budgets = served(apiRoutes.find((route) => route.method === 'get' && route.path === '/api/v1/budgets')!);
    expect((await budgets.call({ query: '?target=x' })).status).toBe(200);
  });

  it('is said in the OpenAPI document: a 400 on each such operation', () => {
    const paths = openApiDocument().paths ?? {};
    for (const route of noQueryRoutes) {
      const operation = (paths[route.path] as Record<string, { responses?: Record<string, unknown> }> | undefined)?.[route.method];
      expect(Object.keys(operation?.responses ?? {}), `${route.method} ${route.path}`).toContain('400');
    }
  });
});

describe('a path that names its record', () => {
  it('documents bodies without the path’s key, and the 404 of a key list for an owner that does not exist', () => {
    const document = openApiDocument();
    const schemas = (document.components?.schemas ?? {}) as Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
    for (const name of [
      'UpdateAgentBody',
      'ChangeBudgetBody',
      'MintKeyBody',
      'RotateKeyBody',
      'DisableBody',
      'ChangeRoleBody',
      'ApproveAndRememberBody',
      'CompensationResolutionBody',
    ]) {
      expect(Object.keys(schemas[name]?.properties ?? {}), name).not.toEqual(expect.arrayContaining(['id']));
      expect(schemas[name]?.required ?? [], name).not.toContain('id');
    }
    expect(Object.keys(schemas.MintKeyBody?.properties ?? {})).toEqual(['name', 'expiresAt']);
    for (const path of ['/api/v1/agents/{id}/keys', '/api/v1/users/{id}/keys']) {
      expect(Object.keys((document.paths?.[path]?.get?.responses ?? {}) as Record<string, unknown>), path).toContain('404');
    }
  });
});

describe('routeOf', () => {
  it('finds the row a request reached: a literal segment outranks a parameter, as in Next', () => {
    expect(routeOf('GET', '/api/v1/agents/me')?.handler).toBe('get-agent-self#getAgentSelf');
    expect(routeOf('PATCH', '/api/v1/agents/billing-bot')?.handler).toBe('management/agents#patchAgent');
    expect(routeOf('POST', '/api/v1/actions/a-1/cancel')?.handler).toBe('post-action-cancel#postActionCancel');
    expect(routeOf('POST', '/api/v1/actions//cancel')).toBeUndefined();
    expect(routeOf('GET', '/api/v1/nowhere')).toBeUndefined();
  });
});
