import { decide } from '@airlock/ops';
import { actionIdFrom } from '../action-lookup.js';
import { authenticate, operatorOf } from '../auth.js';
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
 * workflow's, whose reason comes back as 409.
 */
export const postDecision = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const operator = operatorOf(await authenticate(request, ctx.db));
  const actionId = actionIdFrom(params.id);
  const body = await readJsonBody(request, DecisionBody);
  const result: DecideResultView = await decide({ db: ctx.db, temporal: ctx.temporal, ...(ctx.decisionWaitMs ? { waitMs: ctx.decisionWaitMs } : {}) }, operator, {
    ...body,
    actionId,
  });
  return jsonResponse(result);
});
