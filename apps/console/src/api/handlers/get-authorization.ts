import { NotAgentRunError, StatusUnansweredError, waitForAuthorization } from '@airlock/core/agent-gateway';
import { actionHandle } from '@airlock/core/gateway';
import { actionIdFrom } from '../action-lookup.js';
import { canSeeAction, refuseOtherAgent } from '../auth.js';
import { refuseEndedCaller } from '../caller-recheck.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound, withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readQuery } from '../request.js';
import { callerOf } from '../route-access.js';
import { shownAuthorization } from '../shown-authorization.js';
import { shownOutcome } from '../shown-outcome.js';
import { consoleStopping } from '../shutdown.js';
import { AuthorizationQuery, type AuthorizationView } from '../schemas.js';

/**
 * GET /api/v1/actions/:id/authorization?waitMs=: 200 with the authorization once
 * the action is allowed or approved, 200 with the outcome when it ended without
 * one (denied, expired, cancelled) or was reported, else 202 pending; 503 when no
 * worker answered any read of the workflow within the wait (at least a few seconds).
 * After a wait the key is checked again (401 once revoked).
 */
export const getAuthorization = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const principal = await callerOf(request, ctx.db, 'get-authorization#getAuthorization');
  refuseOtherAgent(request, principal);
  const actionId = actionIdFrom(params.id);
  const { waitMs } = readQuery(request, AuthorizationQuery);
  // The memo says whose action it is and who runs it, answered by the server even with no worker up.
  const memo = (await actionHandle(ctx.temporal, actionId).describe()).memo as { agentId?: string; execution?: string } | undefined;
  if (!memo?.agentId || !canSeeAction(principal, memo.agentId)) throw notFound();
  if (memo.execution !== 'agent') throw new ApiError(409, 'decision_rejected', new NotAgentRunError('this action runs in the worker; it has no authorization').message);

  // Ends with the state read last when the agent goes away or the console is told to stop (shutdown.ts).
  const signal = AbortSignal.any([request.signal, consoleStopping()]);
  const state = await waitForAuthorization(ctx.temporal, actionId, waitMs, { signal, ...(ctx.actionWatch ? { watch: ctx.actionWatch } : {}) }).catch((error: unknown) => {
    if (error instanceof StatusUnansweredError) throw new ApiError(503, 'unavailable', error.message);
    throw error;
  });
  // The key may have been revoked (or its agent disabled) while the request waited: the answer is not for it any more.
  if (waitMs > 0) await refuseEndedCaller(request, ctx.db, principal);
  if (state.state === 'pending') return jsonResponse({ status: 'pending', actionId, phase: state.phase }, 202, { 'retry-after': '1' });
  // Ended: a person's key reads the outcome as recorded (redacted), the agent's as its workflow returned it.
  if (state.state === 'completed') return jsonResponse(await shownOutcome(ctx, principal, actionId, state.outcome));
  const authorization = await shownAuthorization(ctx, principal, actionId, state.authorization);
  const view: AuthorizationView = { status: 'authorized', actionId, tool: state.tool, ...authorization, links: { report: `/api/v1/actions/${actionId}/report` } };
  return jsonResponse(view);
});
