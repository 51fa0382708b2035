import type { RouteConfig } from '@asteasolutions/zod-to-openapi';

/** A route table row's method, lower case as OpenAPI paths spell it (core's HttpMethod is the http.request tool's). */
export type RouteMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * The handler a route file binds: `<module under src/api/handlers>#<export>`, e.g.
 * `management/agents#postAgent`. A name, not the function: the OpenAPI handler imports this
 * table, and the route files keep importing their handler alone (route-table.unit.test.ts
 * checks that each route file binds exactly the handler its row names).
 */
export type HandlerRef = `${string}#${string}`;

/** One row of the REST API's route table: what Next.js serves (method, path, handler) and what OpenAPI documents. */
export type ApiRoute = RouteConfig & { method: RouteMethod; path: `/api/v1/${string}`; handler: HandlerRef };

/** The OpenAPI operation of a row: the route without what only the server needs. */
export function openApiRoute({ handler: _handler, ...route }: ApiRoute): RouteConfig {
  return route;
}

/**
 * Whether a row documents no request body for a method that could carry one: its route refuses a body
 * with anything in it (route-body.ts) rather than dropping it, and the OpenAPI document says so.
 */
export function takesNoBody(route: ApiRoute): boolean {
  return route.method !== 'get' && route.request?.body === undefined;
}
