import { revokeStandingApproval, runUseCase } from '@airlock/ops';
import { operatorOf } from '../auth.js';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import type { StandingApprovalRevocationView } from '../schemas.js';
import { toStandingApprovalView } from '../views.js';

/** POST /api/v1/standing-approvals/:id/revoke (approver): takes effect at once; idempotent. */
export const postStandingApprovalRevocation = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const operator = operatorOf(await callerOf(request, ctx.db, 'revoke-standing-approval#postStandingApprovalRevocation'));
  const { standingApproval, wasActive } = await runUseCase(ctx, operator, revokeStandingApproval, { id: params.id });
  const result: StandingApprovalRevocationView = { standingApproval: toStandingApprovalView(standingApproval), wasActive };
  return jsonResponse(result);
});
