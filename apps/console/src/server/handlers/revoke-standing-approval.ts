import { revokeStandingApproval } from '@airlock/db';
import { authenticate, requireUser } from '../auth.js';
import type { ApiContext } from '../context.js';
import { ApiError, withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import type { StandingApprovalRevocation } from '../schemas.js';
import { auditUserChange } from '../user-audit.js';
import { toStandingApprovalView } from '../views.js';

/**
 * POST /api/v1/standing-approvals/:id/revoke (approver): takes effect at once,
 * since every use re-checks revocation. Idempotent: a repeat records nothing new.
 */
export const postStandingApprovalRevocation = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const approver = requireUser(await authenticate(request, ctx.db), 'approver');
  const before = await ctx.db.prisma.standingApproval.findUnique({ where: { id: params.id } });
  if (!before) throw new ApiError(404, 'not_found', 'no standing approval with this id');
  const wasActive = await revokeStandingApproval(ctx.db, { id: before.id, revokedBy: approver.userId });
  const after = await ctx.db.prisma.standingApproval.findUniqueOrThrow({ where: { id: before.id } });
  if (before.revokedAt === null && after.revokedBy !== null) {
    // Named after whoever's revocation took effect: with two at once, only the first changed anything.
    await auditUserChange(ctx.db, after.revokedBy, {
      eventKey: `standing-approval:${after.id}:revoked`,
      type: 'standing_approval.revoked',
      payload: { grantId: after.id, agentId: after.agentId, tool: after.tool, uses: after.uses, maxUses: after.maxUses },
    });
  }
  const result: StandingApprovalRevocation = { standingApproval: toStandingApprovalView(after), wasActive };
  return jsonResponse(result);
});
