import { takesNoBody, type ApiRoute } from './api-route.js';
import { refuseBody } from './request.js';

/**
 * The route layer's part of reading input: a route whose row documents no body (cancel, revoke, delete)
 * refuses one with anything in it (400 naming each member) before its handler runs, which would
 * drop it without a word. No body, an empty one and `{}` pass. It runs after the caller is admitted
 * (route-access.ts): a caller without a valid key hears 401, one of the wrong kind or role 403, first.
 */
export async function refuseUntakenBody(request: Request, route: ApiRoute): Promise<void> {
  if (!takesNoBody(route) || request.body === null) return;
  // A copy is read, so the request reaches the handler as it came.
  await refuseBody(request.clone());
}
