import { actionIdFrom } from '../action-lookup.js';
import { requireUser } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { revealRawArgs } from '../raw-args.js';
import { callerOf } from '../route-access.js';

/** POST /api/v1/actions/:id/raw-args: the unredacted arguments, for admins only; every call is an audit row (hence POST). */
export const postRawArgs = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  // The row admits admins alone; requireUser narrows to the person.
  const principal = requireUser(await callerOf(request, ctx.db, 'post-raw-args#postRawArgs'));
  const actionId = actionIdFrom(params.id);
  return jsonResponse(await revealRawArgs(ctx, actionId, { userId: principal.userId, channel: 'api' }));
});
