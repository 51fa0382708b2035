import { roleAtLeast } from '@airlock/core';
import type { Db } from '@airlock/db';
import { requireRole } from '@airlock/ops';
import type { ApiRoute, HandlerRef, RouteAccess } from './api-route.js';
import { authenticate, operatorOf, type Principal } from './auth.js';
import { forbidden } from './errors.js';
import { apiRoutes } from './openapi.js';

/** A row's path by segment: a literal, or null for a `{param}`, which matches any one segment. */
interface RoutePattern {
  route: ApiRoute;
  segments: (string | null)[];
}

let patterns: RoutePattern[] | undefined;

/**
 * The route table's row a request reached: its method (HEAD is GET's, as Next serves it), and its path
 * segment by segment. Where a literal and a parameter both match (`/agents/me`, `/agents/{id}`), the
 * literal wins, as in Next's routing.
 */
export function routeOf(method: string, pathname: string): ApiRoute | undefined {
  patterns ??= apiRoutes.map((route) => ({ route, segments: route.path.split('/').map((segment) => (/^\{\w+\}$/.test(segment) ? null : segment)) }));
  const wanted = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
  const segments = pathname.split('/');
  let found: { route: ApiRoute; literals: number } | undefined;
  for (const { route, segments: pattern } of patterns) {
    if (route.method !== wanted || pattern.length !== segments.length) continue;
    if (!pattern.every((literal, i) => (literal === null ? segments[i] !== '' : literal === segments[i]))) continue;
    const literals = pattern.filter((literal) => literal !== null).length;
    if (!found || literals > found.literals) found = { route, literals };
  }
  return found?.route;
}

// The caller the route layer admitted, for its handler: a request's key is looked up once.
const admitted = new WeakMap<Request, Principal>();

/**
 * The route layer's part of access: the caller's key (401), then the row's access (403), before
 * anything reads the body or query, so a key of the wrong kind or role is refused whatever it sent.
 * A public row takes no key.
 */
export async function admitCaller(request: Request, db: Db, route: ApiRoute): Promise<void> {
  if (route.access === 'public') return;
  const principal = await authenticate(request, db);
  await checkAccess(db, route.access, principal);
  admitted.set(request, principal);
}

let byHandler: Map<HandlerRef, ApiRoute> | undefined;

/**
 * The caller of a handler's request: the one the route layer admitted, or, when the handler is called
 * without it (tests, benchmarks, any other host of the framework-free handlers), admitted now by the
 * row that names the handler (`self`, its `handler`), whatever the request's method and path: a handler
 * is never reached by a caller its row refuses.
 */
export async function callerOf(request: Request, db: Db, self: HandlerRef): Promise<Principal> {
  const known = admitted.get(request);
  if (known) return known;
  byHandler ??= new Map(apiRoutes.map((route) => [route.handler, route]));
  const route = byHandler.get(self);
  if (route === undefined || route.access === 'public') throw new Error(`no route table row that takes a key names the handler ${self}`);
  await admitCaller(request, db, route);
  return admitted.get(request)!;
}

/**
 * The caller and the request's body, the body read while the key is looked up (a decision's answer
 * waits for both) when the route layer has not admitted the caller already. A refused key is still
 * answered first: 401, then 403, before any complaint about the body (malformed, too large, wrong
 * type), whose error waits in `body` until awaited.
 */
export async function callerReading<T>(request: Request, db: Db, self: HandlerRef, read: (request: Request) => Promise<T>): Promise<{ principal: Principal; body: Promise<T> }> {
  const body = read(request);
  // Handled here so a body error behind a 401 or 403 is not an unhandled rejection; the caller still gets it when it awaits.
  body.catch(() => undefined);
  return { principal: await callerOf(request, db, self), body };
}

async function checkAccess(db: Db, access: Exclude<RouteAccess, 'public'>, principal: Principal): Promise<void> {
  if (principal.kind === 'agent') {
    if (!access.agents) throw forbidden('this endpoint takes a user API key; agents may not call it');
    return;
  }
  if (access.users === undefined) throw forbidden('this endpoint takes an agent API key; a person uses the decision endpoints');
  if (roleAtLeast(principal.role, access.users)) return;
  // Refused as the use case would refuse it: the same audit row and message.
  if (access.audited !== undefined) await requireRole({ db }, operatorOf(principal), access.users, access.audited);
  throw forbidden(`role ${principal.role} may not do this; ${access.users} or higher is required`);
}
