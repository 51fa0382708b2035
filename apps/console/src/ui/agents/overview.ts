import { listBudgets, listStandingApprovals, listSuspensions, type Db } from '@airlock/db';
import type { AgentView, BudgetView, StandingApprovalView } from '../../api/schemas.js';
import { suspensionFor } from '../../api/suspensions.js';
import { AGENT_COLUMNS, toAgentView, toBudgetView, toStandingApprovalView } from '../../api/views.js';

export interface AgentOverview {
  agent: AgentView;
  /** Budgets that cap this agent: its own, its team's and the tenant's. */
  budgets: BudgetView[];
  grants: StandingApprovalView[];
}

/** Every agent with what governs it, from four reads however many agents there are. */
export async function agentsOverview(db: Db): Promise<AgentOverview[]> {
  const now = new Date();
  const [agents, active, budgets, grants] = await Promise.all([
    db.prisma.agent.findMany({ select: AGENT_COLUMNS, orderBy: { id: 'asc' } }),
    listSuspensions(db, { activeOnly: true }),
    listBudgets(db),
    listStandingApprovals(db, { activeAt: now }),
  ]);
  return agents.map((agent) => ({
    agent: toAgentView(agent, suspensionFor(active, agent)),
    budgets: budgets.filter((b) => (b.scope === 'agent' ? b.target === agent.id : b.scope === 'team' ? b.target === agent.team : true)).map(toBudgetView),
    grants: grants.filter((g) => g.agentId === agent.id).map((g) => toStandingApprovalView(g, now)),
  }));
}
