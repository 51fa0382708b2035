import type { Operator } from '@airlock/ops';
import type { HandlerRef } from './api-route.js';
import { operatorOf } from './auth.js';
import type { ApiContext } from './context.js';
import { withErrors } from './errors.js';
import { jsonResponse } from './http.js';
import { readJsonValue } from './request.js';
import { callerOf } from './route-access.js';

type Params = Record<string, string>;

/**
 * A REST handler around one operator use case, `self` its name in the route table: the user key its row admitted (kind and role:
 * route-access.ts), the JSON body (unvalidated: the use case checks the role again, as for every
 * channel, then the input) and an answer with what `run` returns. Writes only happen inside the use case.
 */
export function operatorRoute<P extends Params = Params>(
  self: HandlerRef,
  run: (ctx: ApiContext, operator: Operator, body: Record<string, unknown>, params: P, request: Request) => Promise<unknown>,
  options: { status?: number; body?: boolean } = {},
): (request: Request, ctx: ApiContext, params?: P) => Promise<Response> {
  return withErrors(async (request: Request, ctx: ApiContext, params?: P) => {
    const operator = operatorOf(await callerOf(request, ctx.db, self));
    const raw = options.body === false ? {} : await readJsonValue(request);
    // A non-object body is still handed on, so the use case names it as the problem.
    const body = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : { '(body)': raw };
    // Routes without path parameters get none.
    return jsonResponse(await run(ctx, operator, body, params ?? ({} as P), request), options.status ?? 200);
  });
}
