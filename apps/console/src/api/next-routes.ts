import type { ApiContext } from './context.js';
import { ApiError, errorResponse, withErrors } from './errors.js';
import { routed } from './route-layer.js';
import { apiContext } from './runtime-context.js';

// Adapters from Next route handler signatures to the framework-free handlers.
// The context is created inside withErrors, so a configuration error is a logged JSON 500.
// Every route goes through the route layer (route-layer.ts): access, then the body rule, before its handler.

type Handler = (request: Request, ctx: ApiContext) => Promise<Response>;
type HandlerWithId = (request: Request, ctx: ApiContext, params: { id: string }) => Promise<Response>;

export function nextRoute(handler: Handler): (request: Request) => Promise<Response> {
  const route = routed(handler);
  return withErrors(async (request: Request) => route(request, apiContext()));
}

export function nextRouteWithId(handler: HandlerWithId): (request: Request, segment: { params: Promise<{ id: string }> }) => Promise<Response> {
  const route = routed(handler);
  return withErrors(async (request: Request, segment: { params: Promise<{ id: string }> }) => route(request, apiContext(), await segment.params));
}

/** The methods an API route file may serve; Next answers HEAD with GET's handler. */
const ROUTE_FILE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type RouteFileMethod = (typeof ROUTE_FILE_METHODS)[number];
type NotServed<Served> = Exclude<RouteFileMethod, keyof Served> | 'OPTIONS';

/**
 * The handlers a route file exports for the methods it does not serve, given those it does:
 * `export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET });`. Each answers 405
 * in the API's error shape with `Allow` (Next's own 405 has an empty body). OPTIONS is among them because
 * Next's automatic one would count these handlers as served; this one answers what Next's answered before.
 */
export function methodsNotAllowed<Served extends Partial<Record<RouteFileMethod, unknown>>>(served: Served): Record<NotServed<Served>, (request: Request) => Promise<Response>> {
  const servedMethods: string[] = ROUTE_FILE_METHODS.filter((method) => method in served);
  const allow = [...servedMethods, ...(servedMethods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].sort().join(', ');
  const refuse = async (request: Request): Promise<Response> => {
    const response = errorResponse(new ApiError(405, 'method_not_allowed', `${request.method} is not allowed on ${new URL(request.url).pathname}; allowed: ${allow}`));
    response.headers.set('allow', allow);
    return response;
  };
  const handlers: Partial<Record<RouteFileMethod | 'OPTIONS', (request: Request) => Promise<Response>>> = {
    OPTIONS: async () => new Response(null, { status: 204, headers: { allow } }),
  };
  for (const method of ROUTE_FILE_METHODS) if (!(method in served)) handlers[method] = refuse;
  return handlers as Record<NotServed<Served>, (request: Request) => Promise<Response>>;
}
