import { requireAgent } from '../auth.js';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { notFound, withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import type { AgentSelf } from '../schemas.js';

/** GET /api/v1/agents/me: the key's own agent and its allowed tools (what the MCP gateway lists). */
export const getAgentSelf = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  const { agentId } = requireAgent(await callerOf(request, ctx.db, 'get-agent-self#getAgentSelf'));
  const agent = await ctx.db.prisma.agent.findUnique({ where: { id: agentId }, select: { id: true, team: true, allowedTools: true } });
  if (!agent) throw notFound('the agent of this key no longer exists');
  const body: AgentSelf = { id: agent.id, team: agent.team, allowedTools: agent.allowedTools };
  return jsonResponse(body);
});
