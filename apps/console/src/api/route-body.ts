import type { Db } from '@airlock/db';
import { takesNoBody, type ApiRoute } from './api-route.js';
import { authenticate } from './auth.js';
import { apiRoutes } from './openapi.js';
import { refuseBody } from './request.js';

/** A row's path by segment: a literal, or null for a `{param}`, which matches any one segment. */
interface RoutePattern {
  route: ApiRoute;
  segments: (string | null)[];
}

let patterns: RoutePattern[] | undefined;

/**
 * The route table's row a request reached: its method, and its path segment by segment. Where a
 * literal and a parameter both match (`/agents/me`, `/agents/{id}`), the literal wins, as in Next's routing.
 */
export function routeOf(method: string, pathname: string): ApiRoute | undefined {
  patterns ??= apiRoutes.map((route) => ({ route, segments: route.path.split('/').map((segment) => (/^\{\w+\}$/.test(segment) ? null : segment)) }));
  const segments = pathname.split('/');
  let found: { route: ApiRoute; literals: number } | undefined;
  for (const { route, segments: pattern } of patterns) {
    if (route.method !== method.toLowerCase() || pattern.length !== segments.length) continue;
    if (!pattern.every((literal, i) => (literal === null ? segments[i] !== '' : literal === segments[i]))) continue;
    const literals = pattern.filter((literal) => literal !== null).length;
    if (!found || literals > found.literals) found = { route, literals };
  }
  return found?.route;
}

/**
 * The route layer's part of reading input: a route whose row documents no body (cancel, revoke, delete)
 * refuses one with anything in it (400 naming each member) before its handler runs, which would
 * drop it without a word. No body, an empty one and `{}` pass. A caller without a valid key hears
 * 401 first, as on every route that reads a body (auth.ts): the key is checked here only when the
 * body is refused, so a passing request is authenticated once, by its handler.
 */
export async function refuseUntakenBody(request: Request, db: Db): Promise<void> {
  const route = routeOf(request.method, new URL(request.url).pathname);
  if (route === undefined || !takesNoBody(route) || request.body === null) return;
  try {
    // A copy is read, so the request reaches the handler as it came.
    await refuseBody(request.clone());
  } catch (refusal) {
    await authenticate(request, db);
    throw refusal;
  }
}
