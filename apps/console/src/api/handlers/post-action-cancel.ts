import { randomUUID } from 'node:crypto';
import { actionHandle, isClosedWorkflowError } from '@airlock/core/gateway';
import { appendAudit } from '@airlock/db';
import { actionIdFrom, assertCanSee } from '../action-lookup.js';
import type { ApiContext } from '../context.js';
import { ApiError, withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { callerOf } from '../route-access.js';

/**
 * POST /api/v1/actions/:id/cancel: an agent withdraws its own request, or an admin stops one (the row admits no other user).
 * The workflow records the cancellation (`action.completed`, status cancelled) itself. A finished action: 409, its outcome
 * unchanged (outcomes are immutable), and no audit row for a cancellation that was never requested.
 */
export const postActionCancel = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const principal = await callerOf(request, ctx.db, 'post-action-cancel#postActionCancel');
  const actionId = actionIdFrom(params.id);
  await assertCanSee(ctx, principal, actionId);
  // Temporal takes a cancellation of a closed workflow without a word: the recorded outcome says it has finished.
  const finished = () => new ApiError(409, 'conflict', `action ${actionId} has finished; its outcome stands and nothing was cancelled`);
  const row = await ctx.db.prisma.action.findUnique({ where: { id: actionId }, select: { outcome: true } });
  if (row?.outcome) throw finished();
  try {
    await actionHandle(ctx.temporal, actionId).cancel();
  } catch (error) {
    if (isClosedWorkflowError(error)) throw finished();
    throw error;
  }
  await appendAudit(ctx.db, {
    eventKey: `${actionId}:cancel_requested:${randomUUID()}`,
    actionId,
    type: 'action.cancel_requested',
    actor: principal.kind === 'agent' ? `agent:${principal.agentId}` : `user:${principal.userId}`,
    payload: { via: 'api' },
  });
  return jsonResponse({ actionId, cancelRequested: true }, 202);
});
