import { grantStandingApproval, runUseCase } from '@airlock/ops';
import { operatorOf } from '../auth.js';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonValue } from '../request.js';
import { toStandingApprovalView } from '../views.js';

/**
 * POST /api/v1/standing-approvals (approver): pre-approves one agent's use of
 * one tool while the CEL condition holds, from now for `validForHours`, at most
 * `maxUses` times. Not the agent's owner; the condition must compile. Audited as the granting person.
 */
export const postStandingApproval = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  const operator = operatorOf(await callerOf(request, ctx.db, 'post-standing-approval#postStandingApproval'));
  const grant = await runUseCase(ctx, operator, grantStandingApproval, await readJsonValue(request));
  return jsonResponse(toStandingApprovalView(grant, grant.validFrom), 201);
});
