import { cancelAction } from '@airlock/ops';
import { actionIdFrom, assertCanSee } from '../action-lookup.js';
import { operatorOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { callerOf } from '../route-access.js';

/**
 * POST /api/v1/actions/:id/cancel: an agent withdraws its own request, or an admin stops one (the row admits no other
 * user, and audits a person below admin as `operator.forbidden`), through the one use case: its `action.cancel_requested`
 * row commits before the cancellation is sent. The workflow records the cancellation (`action.completed`, status
 * cancelled) itself. A finished action: 409, its outcome unchanged (outcomes are immutable), and no audit row for a
 * cancellation that was never requested.
 */
export const postActionCancel = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const principal = await callerOf(request, ctx.db, 'post-action-cancel#postActionCancel');
  const actionId = actionIdFrom(params.id);
  await assertCanSee(ctx, principal, actionId);
  const by = principal.kind === 'agent' ? { agentId: principal.agentId } : { operator: operatorOf(principal) };
  return jsonResponse(await cancelAction(ctx, by, { actionId }), 202);
});
