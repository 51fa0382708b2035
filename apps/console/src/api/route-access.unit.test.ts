import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as AuditAppend from '@airlock/db/audit-append';
import { admittedRoles, refusesSomeKey, takesNoBody, type ApiRoute } from './api-route.js';
import type * as Auth from './auth.js';
import type { ApiContext } from './context.js';
import { unauthenticated } from './errors.js';
import { nextRoute, nextRouteWithId } from './next-routes.js';
import { apiRoutes, openApiDocument } from './openapi.js';
import { callerOf } from './route-access.js';
import { ErrorBody } from './schemas.js';

// Who may call a route is its row's `access`, checked by the route layer right after the key and before
// anything reads the body or query: a key of the wrong kind or role hears 403 whatever it sent (a body on
// a route that takes none was a 400 before the handler could say 403).

type Caller = 'agent' | 'viewer' | 'approver' | 'admin';
const CALLERS: Caller[] = ['agent', 'viewer', 'approver', 'admin'];

const principals: Record<Caller, Auth.Principal> = {
  agent: { kind: 'agent', keyId: 'k-agent', agentId: 'billing-bot', profile: { team: 'billing', ownerId: null, allowedTools: [] } },
  viewer: { kind: 'user', keyId: 'k-viewer', userId: 'victor', name: 'Victor', role: 'viewer' },
  approver: { kind: 'user', keyId: 'k-approver', userId: 'alice', name: 'Alice', role: 'approver' },
  admin: { kind: 'user', keyId: 'k-admin', userId: 'bob', name: 'Bob', role: 'admin' },
};

// The key lookup needs the database: a stand-in knows one key per caller (`alk_<caller>`) and counts its lookups.
const lookups = vi.hoisted(() => ({ count: 0 }));
vi.mock('./auth.js', async (importOriginal) => ({
  ...(await importOriginal<typeof Auth>()),
  authenticate: async (request: Request): Promise<Auth.Principal> => {
    lookups.count += 1;
    const caller = /^Bearer alk_(\w+)$/.exec(request.headers.get('authorization') ?? '')?.[1] as Caller | undefined;
    if (caller === undefined || !(caller in principals)) throw unauthenticated('unknown or revoked API key');
    return principals[caller];
  },
}));

// A refusal the use case would audit is audited by the route layer with the use case's own function; its row is kept here.
const audited = vi.hoisted(() => ({ rows: [] as unknown[] }));
vi.mock('@airlock/db/audit-append', async (importOriginal) => ({
  ...(await importOriginal<typeof AuditAppend>()),
  appendAudit: async (_db: unknown, row: unknown) => {
    audited.rows.push(row);
  },
}));

const routeName = (route: ApiRoute) => `${route.method.toUpperCase()} ${route.path}`;
const keyed = apiRoutes.filter((route) => route.access !== 'public');

function admits(route: ApiRoute, caller: Caller): boolean {
  return admittedRoles(route.access).includes(caller);
}

/** What the route would refuse if its handler read it: a member where no body is taken, malformed JSON where one is, an unknown query parameter on a read. */
function badInput(route: ApiRoute): { body?: string; query?: string } {
  if (route.method === 'get') return { query: '?zzz=1' };
  return takesNoBody(route) ? { body: JSON.stringify({ reason: 'customer asked' }) } : { body: '{"tool":' };
}

/** The route as Next serves it: the route file's adapter around a handler that answers 200 and records that it ran. */
function served(route: ApiRoute) {
  const handler = vi.fn(async (request: Request) => new Response(JSON.stringify({ ran: true, body: await request.text() }), { status: 200 }));
  const call = (init: { caller?: Caller; body?: string; query?: string } = {}) => {
    const request = new Request(`http://airlock.test${route.path.replace(/\{\w+\}/g, 'id-1')}${init.query ?? ''}`, {
      method: route.method.toUpperCase(),
      headers: { ...(init.caller ? { authorization: `Bearer alk_${init.caller}` } : {}), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    return route.path.includes('{') ? nextRouteWithId(handler)(request, { params: Promise.resolve({ id: 'id-1' }) }) : nextRoute(handler)(request);
  };
  return { handler, call };
}

const holder = globalThis as typeof globalThis & { airlockApiContext?: ApiContext };
let saved: ApiContext | undefined;
beforeEach(() => {
  saved = holder.airlockApiContext;
  // The adapters hand the handler the process's context; only the refusal's audit row looks at it (the stand-in above).
  holder.airlockApiContext = { db: {} } as ApiContext;
  audited.rows = [];
  lookups.count = 0;
});
afterEach(() => {
  holder.airlockApiContext = saved;
});

describe('the route table says who may call each route', () => {
  it('every row takes agent keys, user keys from a role up, or both; only the document itself is public', () => {
    expect(apiRoutes.filter((route) => route.access === 'public').map(routeName)).toEqual(['GET /api/v1/openapi.json']);
    for (const route of keyed) expect(admittedRoles(route.access).length, routeName(route)).toBeGreaterThan(0);
  });

  it('a user key refused on a route whose use case audits refusals is audited with the use case’s name', () => {
    // The admin-only row outside these: raw arguments (a person's read, never audited as an attempt).
    const unaudited = keyed.filter((route) => route.access !== 'public' && route.access.users !== undefined && route.access.users !== 'viewer' && !route.access.audited);
    expect(unaudited.map(routeName).sort()).toEqual(['POST /api/v1/actions/{id}/raw-args']);
  });
});

describe('a key the row does not admit', () => {
  const refusals = keyed.flatMap((route) => CALLERS.filter((caller) => !admits(route, caller)).map((caller) => [`${routeName(route)} as ${caller}`, route, caller] as const));

  it('covers every role on some route', () => {
    expect(new Set(refusals.map(([, , caller]) => caller))).toEqual(new Set(CALLERS));
  });

  it.each(refusals)('%s: 403 with input the route would refuse, and the handler never runs', async (_, route, caller) => {
    const { handler, call } = served(route);
    const response = await call({ caller, ...badInput(route) });
    const text = await response.clone().text();
    expect(response.status, text).toBe(403);
    const { error } = ErrorBody.parse(await response.json());
    expect(error.code).toBe('forbidden');
    const access = route.access === 'public' ? {} : route.access;
    if (caller === 'agent') expect(error.message).toBe('this endpoint takes a user API key; agents may not call it');
    else if (access.users === undefined) expect(error.message).toBe('this endpoint takes an agent API key; a person uses the decision endpoints');
    else expect(error.message).toMatch(new RegExp(`^role ${caller} may not do this; ${access.users} or higher is required`));
    expect(handler).not.toHaveBeenCalled();
    // A person refused for the role is an audited attempt where the use case audits one; an agent's key never is.
    const principal = principals[caller];
    const expected =
      principal.kind === 'user' && access.audited
        ? [
            expect.objectContaining({
              type: 'operator.forbidden',
              actor: `user:${principal.userId}`,
              payload: { action: access.audited, requiredRole: access.users, role: caller, channel: 'api' },
            }),
          ]
        : [];
    expect(audited.rows).toEqual(expected);
  });

  it('without a key, or with an unknown one, is still a 401 first', async () => {
    for (const route of keyed) {
      const { handler, call } = served(route);
      const response = await call(badInput(route));
      expect(response.status, routeName(route)).toBe(401);
      expect(handler).not.toHaveBeenCalled();
    }
  });
});

describe('a key the row admits', () => {
  const admitted = keyed.flatMap((route) => CALLERS.filter((caller) => admits(route, caller)).map((caller) => [`${routeName(route)} as ${caller}`, route, caller] as const));

  it.each(admitted)('%s: reaches the handler, its key looked up once', async (_, route, caller) => {
    const { handler, call } = served(route);
    const response = await call({ caller });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(handler).toHaveBeenCalledOnce();
    expect(lookups.count).toBe(1);
    expect(audited.rows).toEqual([]);
  });

  it('the handler reads the caller the route layer admitted, without a second lookup', async () => {
    const route = apiRoutes.find((r) => routeName(r) === 'POST /api/v1/actions/{id}/cancel')!;
    const seen: Auth.Principal[] = [];
    const handler = async (request: Request, ctx: ApiContext) => {
      seen.push(await callerOf(request, ctx.db, 'post-action-cancel#postActionCancel'));
      return new Response('{}');
    };
    const request = new Request('http://airlock.test/api/v1/actions/id-1/cancel', { method: 'POST', headers: { authorization: 'Bearer alk_agent' } });
    expect((await nextRouteWithId(handler)(request, { params: Promise.resolve({ id: 'id-1' }) })).status).toBe(200);
    expect(seen).toEqual([principals.agent]);
    expect(lookups.count).toBe(1);
    expect(route.access).toEqual({ agents: true, users: 'admin', audited: 'action.cancel' });
  });

  it('the public document needs no key', async () => {
    const { handler, call } = served(apiRoutes.find((route) => route.access === 'public')!);
    expect((await call()).status).toBe(200);
    expect(handler).toHaveBeenCalledOnce();
    expect(lookups.count).toBe(0);
  });
});

describe('a handler called without the route layer (tests, benchmarks, another host)', () => {
  const db = {} as ApiContext['db'];
  const request = (path: string, method: string, caller: Caller) => new Request(`http://airlock.test${path}`, { method, headers: { authorization: `Bearer alk_${caller}` } });

  it('admits its caller by the row that names it', async () => {
    await expect(callerOf(request('/api/v1/kill-switch', 'POST', 'viewer'), db, 'post-kill-switch#postKillSwitch')).rejects.toMatchObject({ code: 'forbidden' });
    expect(audited.rows).toEqual([expect.objectContaining({ type: 'operator.forbidden', payload: expect.objectContaining({ action: 'kill_switch.on' }) })]);
    await expect(callerOf(request('/api/v1/kill-switch', 'GET', 'agent'), db, 'list-kill-switches#getKillSwitches')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(callerOf(request('/api/v1/audit', 'GET', 'viewer'), db, 'list-audit#getAudit')).resolves.toEqual(principals.viewer);
    // Whatever the request's method and path: the handler's own row decides.
    await expect(callerOf(request('/api/v1/audit', 'PUT', 'viewer'), db, 'post-budget#postBudget')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(callerOf(request('/api/v1/nowhere', 'PUT', 'agent'), db, 'post-action#postAction')).resolves.toEqual(principals.agent);
    await expect(callerOf(request('/api/v1/audit', 'GET', 'admin'), db, 'list-audit#nothing')).rejects.toThrow(
      /no route table row that takes a key names the handler list-audit#nothing/,
    );
  });

  it('each handler names its own row', async () => {
    for (const route of keyed) {
      const [module, name] = route.handler.split('#');
      const source = await readFile(new URL(`./handlers/${module}.ts`, import.meta.url), 'utf8');
      // From the handler's export to the next one: its callerOf (or operatorRoute) names its row.
      const own = source.split(/^export const /m).find((part) => part.startsWith(`${name} =`));
      expect(own, route.handler).toContain(`'${route.handler}'`);
    }
  });
});

describe('the OpenAPI document', () => {
  type Operation = { description?: string; responses?: Record<string, unknown>; 'x-airlock-roles'?: string[] };
  const operation = (route: ApiRoute) => (openApiDocument().paths?.[route.path] as Record<string, Operation> | undefined)?.[route.method];

  it('lists who may call each operation (`x-airlock-roles`) and says it in the description, with the 403 where a key is refused', () => {
    for (const route of keyed) {
      const op = operation(route);
      expect(op?.['x-airlock-roles'], routeName(route)).toEqual(admittedRoles(route.access));
      expect(op?.description, routeName(route)).toMatch(/Who may call: .*\. Any other key is refused with 403 `forbidden`.* before the request's body or query is read\./);
      if (refusesSomeKey(route.access)) expect(Object.keys(op?.responses ?? {}), routeName(route)).toContain('403');
    }
    const byName = (name: string) => operation(apiRoutes.find((route) => routeName(route) === name)!);
    expect(byName('POST /api/v1/actions/{id}/cancel')?.['x-airlock-roles']).toEqual(['agent', 'admin']);
    expect(byName('POST /api/v1/actions/{id}/cancel')?.description).toMatch(/^Who may call: an agent API key, or a user API key of role admin\./);
    expect(byName('POST /api/v1/actions/{id}/decisions')?.['x-airlock-roles']).toEqual(['approver', 'admin']);
    expect(byName('POST /api/v1/actions/{id}/decisions')?.description).toMatch(/audited as `operator.forbidden`, action `action.decide`/);
    expect(byName('GET /api/v1/audit')?.['x-airlock-roles']).toEqual(['viewer', 'approver', 'admin']);
    expect(byName('POST /api/v1/actions')?.['x-airlock-roles']).toEqual(['agent']);
    const open = byName('GET /api/v1/openapi.json');
    expect(open?.['x-airlock-roles']).toBeUndefined();
    expect(open?.description).toMatch(/Public: takes no API key/);
  });
});
