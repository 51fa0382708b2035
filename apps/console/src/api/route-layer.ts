import type { ApiContext } from './context.js';
import { withErrors } from './errors.js';
import { admitCaller, routeOf } from './route-access.js';
import { refuseUntakenBody } from './route-body.js';
import { refuseUntakenQuery } from './route-query.js';

/**
 * The route layer around a framework-free handler, for every route at once: the request's row in the route
 * table admits the caller (401, then 403 for a key of the wrong kind or role: route-access.ts), then refuses a
 * query the row does not take (route-query.ts) and a body it does not take (route-body.ts), before the handler reads anything.
 */
export function routed<A extends unknown[]>(
  handler: (request: Request, ctx: ApiContext, ...rest: A) => Promise<Response>,
): (request: Request, ctx: ApiContext, ...rest: A) => Promise<Response> {
  return withErrors(async (request: Request, ctx: ApiContext, ...rest: A): Promise<Response> => {
    const route = routeOf(request.method, new URL(request.url).pathname);
    if (route !== undefined) {
      await admitCaller(request, ctx.db, route);
      refuseUntakenQuery(request, route);
      await refuseUntakenBody(request, route);
    }
    return handler(request, ctx, ...rest);
  });
}
