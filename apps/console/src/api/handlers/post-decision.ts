import { decide } from '@airlock/ops';
import { actionIdFrom } from '../action-lookup.js';
import { operatorOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { decisionDeps } from '../decision-deps.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonBody } from '../request.js';
import { callerReading } from '../route-access.js';
import { DecisionBody, type DecideResultView } from '../schemas.js';

/**
 * POST /api/v1/actions/:id/decisions: the key's user approves (possibly with
 * edited arguments) or denies, through the one decision use case. Roles below
 * approver are refused by the route's row (audited as the use case would), edits
 * that break the tool's schema by the use case; everything else (separation of
 * duties, quorum, args hash, the re-classified edit) is the workflow's, whose reason
 * comes back as 409. Called without the route layer, the body is read during the key's
 * look-up; 401, 403 (a role below approver included) and 404 still come before any 400 about it.
 */
export const postDecision = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const { principal, body } = await callerReading(request, ctx.db, 'post-decision#postDecision', (r) => readJsonBody(r, DecisionBody));
  const operator = operatorOf(principal);
  const actionId = actionIdFrom(params.id);
  const result: DecideResultView = await decide(decisionDeps(ctx), operator, {
    ...(await body),
    actionId,
  });
  return jsonResponse(result);
});
