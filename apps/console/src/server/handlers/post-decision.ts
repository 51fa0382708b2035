import { actionIdFrom } from '../action-lookup.js';
import { authenticate, requireUser } from '../auth.js';
import type { ApiContext } from '../context.js';
import { decideWithin } from '../decide.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonBody } from '../request.js';
import { DecisionBody, type DecideResult } from '../schemas.js';
import { checkToolArgs } from '../tool-args.js';

/**
 * POST /api/v1/actions/:id/decisions: the key's user approves (possibly with
 * edited arguments) or denies. Roles below approver and edits that break the
 * tool's schema are refused here; everything else (separation of duties, quorum,
 * args hash, the re-classified edit) is the workflow's, whose reason comes back as 409.
 */
export const postDecision = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const user = requireUser(await authenticate(request, ctx.db), 'approver');
  const actionId = actionIdFrom(params.id);
  const body = await readJsonBody(request, DecisionBody);
  if (body.editedArgs) {
    // Without a row the action is not admitted yet, so not awaiting a decision: the workflow says so.
    const action = await ctx.db.prisma.action.findUnique({ where: { id: actionId }, select: { tool: true } });
    if (action) checkToolArgs(action.tool, body.editedArgs, 'editedArgs');
  }
  const decision = { ...body, approverId: user.userId, channel: 'api' };
  const result: DecideResult = await decideWithin(ctx.temporal, actionId, decision, ctx.decisionWaitMs);
  return jsonResponse(result);
});
