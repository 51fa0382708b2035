import { listSuspensions } from '@airlock/db';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import type { AgentList } from '../schemas.js';
import { suspensionFor } from '../suspensions.js';
import { AGENT_COLUMNS, toAgentView } from '../views.js';

/** GET /api/v1/agents: every agent with its allowed tools and the kill switch stopping it, if any. */
export const getAgents = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  await callerOf(request, ctx.db, 'list-agents#getAgents');
  const [agents, active] = await Promise.all([ctx.db.prisma.agent.findMany({ select: AGENT_COLUMNS, orderBy: { id: 'asc' } }), listSuspensions(ctx.db, { activeOnly: true })]);
  const result: AgentList = { agents: agents.map((agent) => toAgentView(agent, suspensionFor(active, agent))) };
  return jsonResponse(result);
});
