import type { Classification, RiskTier } from '@airlock/core';
import { formatZodError } from '@airlock/core';
import { redact, scanForInjection } from '@airlock/guardrails';
import { denyWith, escalateToApproval, evaluatePolicy } from '@airlock/policy';
import type { ActivityDeps } from './deps.js';

export interface AgentRecord {
  id: string;
  team: string;
  ownerId: string | null;
  allowedTools: string[];
}

export interface Assessment {
  classification: Classification;
  /** Arguments with PII and secrets replaced: what is stored, shown and sent. */
  redactedArgs: Record<string, unknown>;
  /** Human-readable guardrail findings (injection and sensitive data), never the raw values. */
  guardrailFlags: string[];
  /** Injection was suspected: a human must look, standing approvals do not apply. */
  injectionSuspected: boolean;
}

export async function loadAgent(deps: ActivityDeps, agentId: string): Promise<AgentRecord | null> {
  return deps.db.prisma.agent.findUnique({ where: { id: agentId }, select: { id: true, team: true, ownerId: true, allowedTools: true } });
}

/**
 * Policy plus guardrails for one set of arguments: the part of admission that an
 * approver's edit and the pre-run re-check repeat. Pure apart from reading the tool registry.
 */
export function assess(
  deps: ActivityDeps,
  request: { tool: string; args: Record<string, unknown>; rationale: string; signals?: Record<string, unknown> | undefined },
  agent: AgentRecord,
): Assessment {
  const policy = deps.policy.current();
  const tool = deps.tools.get(request.tool);
  const redaction = redact(request.args);
  const guardrailFlags = redaction.findings.map((f) => `sensitive data (${f.kind}) at args${f.path.startsWith('[') || f.path === '' ? '' : '.'}${f.path} redacted`);
  const base = { redactedArgs: redaction.value, guardrailFlags, injectionSuspected: false };

  if (tool) {
    const parsed = tool.args.safeParse(request.args);
    if (!parsed.success) {
      const denied: Classification = { decision: 'deny', tier: 'critical', reasons: [`invalid arguments: ${formatZodError(parsed.error, 'args')}`], policyVersion: policy.version };
      return { ...base, classification: denied };
    }
  }
  let classification = evaluatePolicy(policy, {
    tool: request.tool,
    toolKnown: tool !== undefined,
    args: request.args,
    agent: { id: agent.id, team: agent.team, owner: agent.ownerId, allowedTools: agent.allowedTools },
    rationale: request.rationale,
    signals: request.signals,
  });
  const injection = scanForInjection({ rationale: request.rationale, args: request.args });
  for (const finding of injection) {
    const tier: RiskTier = finding.severity === 'high' ? 'critical' : 'high';
    classification = escalateToApproval(policy, classification, tier, `guardrail: possible prompt injection in ${finding.field} (${finding.reason})`);
    guardrailFlags.push(`possible prompt injection in ${finding.field}: ${finding.reason}`);
  }
  return { ...base, classification, injectionSuspected: injection.length > 0 };
}

export { denyWith, escalateToApproval };
