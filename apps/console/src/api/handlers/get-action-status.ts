import { getActionStatus } from '@airlock/core/gateway';
import { actionIdFrom, assertCanSee } from '../action-lookup.js';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { shownStatus } from '../shown-outcome.js';

// The status query needs a worker to answer; without one the caller gets a 503 instead of a hang.
const STATUS_QUERY_TIMEOUT_MS = 10_000;

/**
 * GET /api/v1/actions/:id/status: the workflow's live view (phase, classification, approval). Agents: their own only;
 * a person sees an authorization's arguments and the outcome redacted, as stored (shownStatus).
 */
export const getActionStatusView = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const principal = await callerOf(request, ctx.db, 'get-action-status#getActionStatusView');
  const actionId = actionIdFrom(params.id);
  await assertCanSee(ctx, principal, actionId);
  const status = await ctx.temporal.withDeadline(Date.now() + STATUS_QUERY_TIMEOUT_MS, () => getActionStatus(ctx.temporal, actionId));
  return jsonResponse(await shownStatus(ctx, principal, status));
});
