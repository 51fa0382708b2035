import { activeSuspension } from '@airlock/db';
import { requireRole, runUseCase, updateAgent } from '@airlock/ops';
import { authenticate, operatorOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonBody } from '../request.js';
import { AgentToolsBody } from '../schemas.js';
import { toAgentView } from '../views.js';

/**
 * PUT /api/v1/agents/:id/tools (admin): replaces the tools the agent may
 * request. Admission reads the list for every new action, so it applies to the
 * next request; actions already admitted keep their classification. Audited with before and after.
 */
export const putAgentTools = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const operator = operatorOf(await authenticate(request, ctx.db));
  await requireRole(ctx, operator, 'admin', 'agent.update');
  const { allowedTools } = await readJsonBody(request, AgentToolsBody);
  const after = await runUseCase(ctx, operator, updateAgent, { id: params.id, allowedTools });
  return jsonResponse(toAgentView(after, await activeSuspension(ctx.db, { agentId: after.id, team: after.team })));
});
