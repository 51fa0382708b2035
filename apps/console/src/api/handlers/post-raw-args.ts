import { actionIdFrom } from '../action-lookup.js';
import { authenticate, requireUser } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { revealRawArgs } from '../raw-args.js';

/** POST /api/v1/actions/:id/raw-args: the unredacted arguments, for admins only; every call is an audit row (hence POST). */
export const postRawArgs = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const principal = requireUser(await authenticate(request, ctx.db), 'admin');
  const actionId = actionIdFrom(params.id);
  return jsonResponse(await revealRawArgs(ctx, actionId, { userId: principal.userId, channel: 'api' }));
});
