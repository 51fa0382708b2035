import { authenticate, requireUser } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { revokeGrant } from '../standing-approval-revocation.js';

/** POST /api/v1/standing-approvals/:id/revoke (approver): takes effect at once; idempotent. */
export const postStandingApprovalRevocation = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const approver = requireUser(await authenticate(request, ctx.db), 'approver');
  return jsonResponse(await revokeGrant(ctx.db, params.id, approver.userId));
});
