import { checkJsonLimits, formatZodError, PLAN_TOOL, type Classification, type PlanStepView, type RiskTier } from '@airlock/core';
import { redact, scanForInjection } from '@airlock/guardrails';
import { classifyPlan, escalateToApproval, evaluatePolicy, type CompiledPolicy } from '@airlock/policy';
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
  /** For plans: each step's classification and whether it can be rolled back. */
  plan?: PlanStepView[];
  /** Set when the arguments do not fit the tool (or the plan, or one of its steps): denied for that alone, nothing a policy decided. */
  invalidInput?: 'arguments' | 'plan';
}

interface AssessedRequest {
  tool: string;
  args: Record<string, unknown>;
  rationale: string;
  signals?: Record<string, unknown> | undefined;
  execution?: 'worker' | 'agent' | undefined;
}

export async function loadAgent(deps: ActivityDeps, agentId: string): Promise<AgentRecord | null> {
  return deps.db.prisma.agent.findUnique({ where: { id: agentId }, select: { id: true, team: true, ownerId: true, allowedTools: true } });
}

/**
 * Policy plus guardrails for one set of arguments: the part of admission that an
 * approver's edit and the pre-run re-check repeat. A plan is assessed step by
 * step and takes its most restrictive step's classification.
 */
export function assess(deps: ActivityDeps, request: AssessedRequest, agent: AgentRecord, policy: CompiledPolicy = deps.policy.current()): Assessment {
  // The edge refuses these with a 400; a request that reached the workflow another way is denied visibly, stored without its arguments.
  const problem = checkJsonLimits(request.args);
  if (problem) {
    const field = ['args', ...problem.path.map(String)].join('.');
    return {
      classification: { decision: 'deny', tier: 'critical', reasons: [`invalid arguments: ${field}: ${problem.message}`], policyVersion: policy.version },
      redactedArgs: {},
      guardrailFlags: [],
      injectionSuspected: false,
      invalidInput: 'arguments',
    };
  }
  return request.tool === PLAN_TOOL ? assessPlan(deps, request, agent, policy) : assessTool(deps, request, agent, policy);
}

function assessTool(deps: ActivityDeps, request: AssessedRequest, agent: AgentRecord, policy: CompiledPolicy, root = 'args'): Assessment {
  const tool = deps.tools.get(request.tool);
  const redaction = redact(request.args, { root });
  const guardrailFlags = redaction.findings.map((f) => `sensitive data (${f.kind}) at ${f.path} redacted`);
  const base = { redactedArgs: redaction.value, guardrailFlags, injectionSuspected: false };

  if (tool) {
    const parsed = tool.args.safeParse(request.args);
    if (!parsed.success) {
      const denied: Classification = { decision: 'deny', tier: 'critical', reasons: [`invalid arguments: ${formatZodError(parsed.error, root)}`], policyVersion: policy.version };
      return { ...base, classification: denied, invalidInput: 'arguments' };
    }
  }
  let classification = evaluatePolicy(policy, {
    tool: request.tool,
    // A gate-only action's tool lives with the agent: policy and least privilege still apply.
    toolKnown: tool !== undefined || request.execution === 'agent',
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

function assessPlan(deps: ActivityDeps, request: AssessedRequest, agent: AgentRecord, policy: CompiledPolicy): Assessment {
  const classified = classifyPlan(
    policy,
    request.args,
    (step, index) => assessTool(deps, { ...request, tool: step.tool, args: step.args }, agent, policy, `args.steps[${index}].args`),
    (tool) => deps.tools.get(tool)?.compensate !== undefined,
  );
  if (!classified.ok) {
    const redaction = redact(request.args, { root: 'args' });
    return {
      classification: { decision: 'deny', tier: 'critical', reasons: [`invalid plan: ${formatZodError(classified.error, 'args')}`], policyVersion: policy.version },
      redactedArgs: redaction.value,
      guardrailFlags: [],
      injectionSuspected: false,
      invalidInput: 'plan',
    };
  }
  const { steps, classification } = classified.plan;
  const plan: PlanStepView[] = steps.map(({ step, assessed, reversible }) => ({
    tool: step.tool,
    ...(step.description ? { description: step.description } : {}),
    decision: assessed.classification.decision,
    tier: assessed.classification.tier,
    reversible: reversible === true,
    status: 'pending',
  }));
  const invalidStep = steps.find(({ assessed }) => assessed.invalidInput !== undefined);
  return {
    classification,
    redactedArgs: { steps: steps.map(({ step, assessed }) => ({ ...step, args: assessed.redactedArgs })) },
    guardrailFlags: [...new Set(steps.flatMap(({ assessed }) => assessed.guardrailFlags))],
    injectionSuspected: steps.some(({ assessed }) => assessed.injectionSuspected),
    plan,
    ...(invalidStep ? { invalidInput: 'arguments' as const } : {}),
  };
}
