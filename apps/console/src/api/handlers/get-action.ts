import { actionIdFrom, assertCanSee, findActionRow, liveWorkflow } from '../action-lookup.js';
import { canSeeAction } from '../auth.js';
import type { ApiContext } from '../context.js';
import { notFound, withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { callerOf } from '../route-access.js';
import { toActionView } from '../views.js';

/** GET /api/v1/actions/:id: the stored action with its approval, plus the live phase while in flight. */
export const getAction = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const principal = await callerOf(request, ctx.db, 'get-action#getAction');
  const actionId = actionIdFrom(params.id);
  const row = await findActionRow(ctx.db, actionId);
  if (row) {
    if (!canSeeAction(principal, row.agentId)) throw notFound();
    return jsonResponse(toActionView(row, await liveWorkflow(ctx, row)));
  }
  // Started but not admitted yet (no row): say so without details, which the row will carry, and only to
  // whom the workflow's memo lets see it (another agent could derive the id from a guessed idempotency key).
  await assertCanSee(ctx, principal, actionId);
  return jsonResponse({ status: 'requested', actionId }, 202, { 'retry-after': '1' });
});
