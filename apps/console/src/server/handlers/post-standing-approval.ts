import { grantStandingApproval } from '@airlock/db';
import { authenticate, requireUser } from '../auth.js';
import type { ApiContext } from '../context.js';
import { forbidden, withErrors } from '../errors.js';
import { checkGrantCondition } from '../grant-condition.js';
import { jsonResponse } from '../http.js';
import { invalidField, readJsonBody } from '../request.js';
import { StandingApprovalBody } from '../schemas.js';
import { auditUserChange } from '../user-audit.js';
import { toStandingApprovalView } from '../views.js';

const HOUR_MS = 3_600_000;

/**
 * POST /api/v1/standing-approvals (approver): pre-approves one agent's use of
 * one tool while the CEL condition holds, from now for `validForHours`, at most
 * `maxUses` times. Audited as the granting person.
 */
export const postStandingApproval = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  const approver = requireUser(await authenticate(request, ctx.db), 'approver');
  const body = await readJsonBody(request, StandingApprovalBody);
  const agent = await ctx.db.prisma.agent.findUnique({ where: { id: body.agentId }, select: { ownerId: true } });
  if (!agent) throw invalidField('agentId', `no agent "${body.agentId}"`);
  // Separation of duties, as for each single approval: an agent's owner may not approve its requests in advance either.
  if (agent.ownerId === approver.userId) throw forbidden(`${approver.userId} owns agent "${body.agentId}" and may not grant it standing approvals`);
  checkGrantCondition(body.condition);

  const validFrom = new Date();
  const grant = await grantStandingApproval(ctx.db, {
    agentId: body.agentId,
    tool: body.tool,
    condition: body.condition,
    reason: body.reason,
    grantedBy: approver.userId,
    validFrom,
    validUntil: new Date(validFrom.getTime() + body.validForHours * HOUR_MS),
    maxUses: body.maxUses,
  });
  await auditUserChange(ctx.db, approver.userId, {
    eventKey: `standing-approval:${grant.id}:granted`,
    type: 'standing_approval.granted',
    payload: {
      grantId: grant.id,
      agentId: grant.agentId,
      tool: grant.tool,
      condition: grant.condition,
      reason: grant.reason,
      validFrom: grant.validFrom.toISOString(),
      validUntil: grant.validUntil.toISOString(),
      maxUses: grant.maxUses,
    },
  });
  return jsonResponse(toStandingApprovalView(grant, validFrom), 201);
});
