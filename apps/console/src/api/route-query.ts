import { z } from 'zod';
import type { ApiRoute } from './api-route.js';
import { readQuery } from './request.js';

const NO_QUERY = z.object({});

/**
 * The route layer's part of reading the query: a route whose row documents no query (`GET /agents`,
 * `GET /actions/{id}`) refuses any parameter (400 naming each) as the routes with a query refuse one
 * they do not take (readQuery: strict), instead of dropping it: `GET /agents?team=x` would read as filtered.
 */
export function refuseUntakenQuery(request: Request, route: ApiRoute): void {
  if (route.request?.query !== undefined) return;
  readQuery(request, NO_QUERY);
}
