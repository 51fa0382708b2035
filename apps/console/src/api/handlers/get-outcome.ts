import { actionIdFrom, assertCanSee } from '../action-lookup.js';
import { canSeeAction } from '../auth.js';
import { refuseEndedCaller } from '../caller-recheck.js';
import type { ApiContext } from '../context.js';
import { notFound, withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { waitForOutcome } from '../outcome-wait.js';
import { readQuery } from '../request.js';
import { callerOf } from '../route-access.js';
import { OutcomeQuery } from '../schemas.js';
import { shownOutcome } from '../shown-outcome.js';
import { storedOutcome } from '../views.js';

/**
 * GET /api/v1/actions/:id/outcome?waitMs=: 200 with the outcome once done, else 202 pending after waiting up to waitMs.
 * As recorded (redacted), except that the agent waiting on its own action gets it as the workflow returned it.
 * After a wait the key is checked again (401 once revoked).
 */
export const getOutcome = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const principal = await callerOf(request, ctx.db, 'get-outcome#getOutcome');
  const actionId = actionIdFrom(params.id);
  const { waitMs } = readQuery(request, OutcomeQuery);

  const row = await ctx.db.prisma.action.findUnique({ where: { id: actionId }, select: { agentId: true, outcome: true } });
  if (row && !canSeeAction(principal, row.agentId)) throw notFound();
  // Not admitted yet: the workflow's memo says whose it is, so another agent learns nothing, pending included.
  if (!row) await assertCanSee(ctx, principal, actionId);
  const stored = row && storedOutcome(row.outcome);
  if (stored) return jsonResponse(stored);

  const outcome = waitMs > 0 ? await waitForOutcome(ctx, actionId, waitMs, request.signal) : null;
  // The key may have been revoked (or its agent disabled) while the request waited: the answer is not for it any more.
  if (waitMs > 0) await refuseEndedCaller(request, ctx.db, principal);
  if (!outcome) return jsonResponse({ status: 'pending', actionId }, 202, { 'retry-after': '1' });
  return jsonResponse(await shownOutcome(ctx, principal, actionId, outcome));
});
