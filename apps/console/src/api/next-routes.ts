import type { ApiContext } from './context.js';
import { withErrors } from './errors.js';
import { apiContext } from './runtime-context.js';

// Adapters from Next route handler signatures to the framework-free handlers.
// The context is created inside withErrors, so a configuration error is a logged JSON 500.

type Handler = (request: Request, ctx: ApiContext) => Promise<Response>;
type HandlerWithId = (request: Request, ctx: ApiContext, params: { id: string }) => Promise<Response>;

export function nextRoute(handler: Handler): (request: Request) => Promise<Response> {
  return withErrors((request: Request) => handler(request, apiContext()));
}

export function nextRouteWithId(handler: HandlerWithId): (request: Request, segment: { params: Promise<{ id: string }> }) => Promise<Response> {
  return withErrors(async (request: Request, segment: { params: Promise<{ id: string }> }) => handler(request, apiContext(), await segment.params));
}
