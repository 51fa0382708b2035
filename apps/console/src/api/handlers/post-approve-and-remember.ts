import { approveAndRemember, rememberAccepted } from '@airlock/ops';
import { actionIdFrom } from '../action-lookup.js';
import { operatorOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { decisionDeps } from '../decision-deps.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { withPathKey } from '../path-key.js';
import { readJsonValue } from '../request.js';
import { callerReading } from '../route-access.js';
import type { RememberAcceptedView, RememberedApprovalView } from '../schemas.js';
import { toStandingApprovalView } from '../views.js';

/**
 * POST /api/v1/actions/:id/approve-and-remember: the key's user approves this
 * action and grants a standing approval scoped from it, through the one use
 * case. A grant that would be refused is refused before deciding (400/403/409);
 * a decision the workflow refuses (self-approval, already decided) is 409 and
 * leaves no grant. Accepted but not yet stored by the workflow's writer within the wait: 202 with the grant's id.
 * The body is read during the key's look-up (as for a plain decision).
 */
export const postApproveAndRemember = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const reading = await callerReading(request, ctx.db, 'post-approve-and-remember#postApproveAndRemember', readJsonValue);
  const operator = operatorOf(reading.principal);
  const actionId = actionIdFrom(params.id);
  const body = await reading.body;
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : { '(body)': body };
  const remembered = await approveAndRemember(decisionDeps(ctx), operator, withPathKey(fields, 'actionId', actionId));
  if (!remembered.stored) {
    const accepted: RememberAcceptedView = { actionId: remembered.actionId, grantId: remembered.grantId, accepted: true, message: rememberAccepted(remembered.grantId) };
    return jsonResponse(accepted, 202);
  }
  const { decision, standingApproval } = remembered;
  const result: RememberedApprovalView = { decision, standingApproval: toStandingApprovalView(standingApproval, standingApproval.validFrom) };
  return jsonResponse(result, 201);
});
