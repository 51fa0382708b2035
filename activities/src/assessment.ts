import { assessRequest, type AssessedAgent, type AssessedRequest, type Assessment } from '@airlock/policy/assessment';
import type { CompiledPolicy } from '@airlock/policy';
import type { ActivityDeps } from './deps.js';

export type AgentRecord = AssessedAgent;
export type { Assessment };

export async function loadAgent(deps: ActivityDeps, agentId: string): Promise<AgentRecord | null> {
  return deps.db.prisma.agent.findUnique({ where: { id: agentId }, select: { id: true, team: true, ownerId: true, allowedTools: true } });
}

/**
 * Policy plus guardrails for one set of arguments: the part of admission that an
 * approver's edit and the pre-run re-check repeat, against the tools this worker
 * registers. A plan is assessed step by step and takes its most restrictive step's
 * classification. The classification itself is `assessRequest` (@airlock/policy/assessment),
 * which the policy dry-run runs too, so both answer alike.
 */
export function assess(deps: ActivityDeps, request: AssessedRequest, agent: AgentRecord, policy: CompiledPolicy = deps.policy.current()): Assessment {
  return assessRequest(policy, request, agent, deps.tools, { reversible: (tool) => deps.tools.get(tool)?.compensate !== undefined });
}
