import { activeSuspension } from '@airlock/db';
import { runUseCase, updateAgent } from '@airlock/ops';
import { operatorOf } from '../auth.js';
import { callerOf } from '../route-access.js';
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
  const operator = operatorOf(await callerOf(request, ctx.db, 'put-agent-tools#putAgentTools'));
  const { allowedTools } = await readJsonBody(request, AgentToolsBody);
  const after = await runUseCase(ctx, operator, updateAgent, { id: params.id, allowedTools });
  return jsonResponse(toAgentView(after, await activeSuspension(ctx.db, { agentId: after.id, team: after.team })));
});
