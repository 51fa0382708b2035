import { claimAgentRun, NotAgentRunError, RunClaimedElsewhereError } from '@airlock/core/agent-gateway';
import { actionHandle } from '@airlock/core/gateway';
import { actionIdFrom } from '../action-lookup.js';
import { requireAgent } from '../auth.js';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound, withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonBody } from '../request.js';
import { RunClaimBody, type RunClaimView } from '../schemas.js';

/**
 * POST /api/v1/actions/:id/claim: the agent's runner claims the authorized run of a gate-only action before it
 * starts the tool. 200 once the claim is recorded (the same runner again: the same answer); 409 `conflict` when
 * another runner claimed it first (it may have run the tool), 409 `decision_rejected` when the authorization is
 * not usable (not yet, expired, revoked, reported).
 */
export const postClaim = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const agent = requireAgent(await callerOf(request, ctx.db, 'post-claim#postClaim'));
  const actionId = actionIdFrom(params.id);
  const body = await readJsonBody(request, RunClaimBody);
  const { memo } = await actionHandle(ctx.temporal, actionId).describe();
  if (memo?.agentId !== agent.agentId) throw notFound();
  try {
    const claimed = await claimAgentRun(ctx.temporal, actionId, body);
    const view: RunClaimView = { status: 'claimed', actionId, ...claimed };
    return jsonResponse(view);
  } catch (error) {
    if (error instanceof RunClaimedElsewhereError) throw new ApiError(409, 'conflict', error.message);
    if (error instanceof NotAgentRunError) throw new ApiError(409, 'decision_rejected', error.message);
    throw error;
  }
});
