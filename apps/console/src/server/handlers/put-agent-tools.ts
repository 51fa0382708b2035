import { randomUUID } from 'node:crypto';
import { activeSuspension } from '@airlock/db';
import { authenticate, requireUser } from '../auth.js';
import type { ApiContext } from '../context.js';
import { ApiError, withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonBody } from '../request.js';
import { AgentToolsBody } from '../schemas.js';
import { auditUserChange } from '../user-audit.js';
import { AGENT_COLUMNS, toAgentView } from '../views.js';

/**
 * PUT /api/v1/agents/:id/tools (admin): replaces the tools the agent may
 * request. Admission reads the list for every new action, so it applies to the
 * next request; actions already admitted keep their classification. Audited with before and after.
 */
export const putAgentTools = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const admin = requireUser(await authenticate(request, ctx.db), 'admin');
  const { allowedTools } = await readJsonBody(request, AgentToolsBody);
  const before = await ctx.db.prisma.agent.findUnique({ where: { id: params.id }, select: AGENT_COLUMNS });
  if (!before) throw new ApiError(404, 'not_found', `no agent "${params.id}"`);
  const after = await ctx.db.prisma.agent.update({ where: { id: before.id }, data: { allowedTools: [...new Set(allowedTools)] }, select: AGENT_COLUMNS });
  await auditUserChange(ctx.db, admin.userId, {
    // Each change is its own event, even one that sets the same list again.
    eventKey: `agent:${after.id}:tools:${randomUUID()}`,
    type: 'agent.tools_changed',
    payload: { agentId: after.id, before: before.allowedTools, after: after.allowedTools },
  });
  return jsonResponse(toAgentView(after, await activeSuspension(ctx.db, { agentId: after.id, team: after.team })));
});
