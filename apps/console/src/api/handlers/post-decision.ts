import { decide, requireRole } from '@airlock/ops';
import { actionIdFrom } from '../action-lookup.js';
import { authenticateReading, operatorOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonBody } from '../request.js';
import { DecisionBody, type DecideResultView } from '../schemas.js';

/**
 * POST /api/v1/actions/:id/decisions: the key's user approves (possibly with
 * edited arguments) or denies, through the one decision use case. Roles below
 * approver and edits that break the tool's schema are refused there; everything
 * else (separation of duties, quorum, args hash, the re-classified edit) is the
 * workflow's, whose reason comes back as 409. The body is read during the key's look-up; 401,
 * 403 (a role below approver included) and 404 still come before any 400 about it.
 */
export const postDecision = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const { principal, body } = await authenticateReading(request, ctx.db, (r) => readJsonBody(r, DecisionBody));
  const operator = operatorOf(principal);
  const actionId = actionIdFrom(params.id);
  // The role before the body: a viewer's decision is a 403 (and an audited attempt) whatever its body holds.
  await requireRole(ctx, operator, 'approver', 'action.decide');
  const result: DecideResultView = await decide({ db: ctx.db, temporal: ctx.temporal, ...(ctx.decisionWaitMs ? { waitMs: ctx.decisionWaitMs } : {}) }, operator, {
    ...(await body),
    actionId,
  });
  return jsonResponse(result);
});
