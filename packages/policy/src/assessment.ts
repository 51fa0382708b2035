import type { Classification } from '@airlock/core/action';
import { formatZodError } from '@airlock/core/errors';
import { checkJsonLimits } from '@airlock/core/json-limits';
import { PLAN_TOOL, type PlanStepView } from '@airlock/core/plan';
import type { RiskTier } from '@airlock/core/risk';
import { redact, redactText, scanForInjection } from '@airlock/guardrails';
import type { z } from 'zod';
import type { CompiledPolicy } from './compile.js';
import { escalateToApproval, evaluatePolicy } from './evaluate.js';
import { classifyPlan } from './plan.js';

/** The agent a request is assessed for: its team, owner and allowed tools (least privilege). */
export interface AssessedAgent {
  id: string;
  team: string;
  ownerId: string | null;
  allowedTools: string[];
}

export interface AssessedRequest {
  tool: string;
  args: Record<string, unknown>;
  rationale: string;
  signals?: Record<string, unknown> | undefined;
  /** 'agent': a gate-only action, whose tool lives with the agent (known whatever the workers register). */
  execution?: 'worker' | 'agent' | undefined;
}

/** The tools a worker registers, as far as assessment needs them: their argument schemas. */
export interface AssessedTools {
  get(name: string): { args: z.ZodType } | undefined;
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
  /** For plans: each step's own classification, in order (its reasons unprefixed, its matched rules). */
  stepClassifications?: Classification[];
  /** Set when the arguments do not fit the tool (or the plan, or one of its steps): denied for that alone, nothing a policy decided. */
  invalidInput?: 'arguments' | 'plan';
}

export interface AssessOptions {
  /**
   * Whether a tool can be rolled back (has a compensation): admission's workers know; when absent
   * (the policy dry-run), every plan step's `reversible` is false and no "no rollback" reason is added.
   */
  reversible?: (tool: string) => boolean;
}

/**
 * Policy plus guardrails for one request: admission's classification (and the part an approver's
 * edit, the pre-run re-check and the policy dry-run repeat). The arguments' size limits, then the
 * tool's argument schema when it is registered, then the policy (a tool neither registered nor
 * gate-only is an unknown tool), then prompt-injection heuristics over the rationale and arguments
 * (each finding escalates to a person). A plan is assessed step by step and takes its most
 * restrictive step's classification (`classifyPlan`). Pure: nothing runs or is recorded.
 */
export function assessRequest(policy: CompiledPolicy, request: AssessedRequest, agent: AssessedAgent, tools: AssessedTools, options: AssessOptions = {}): Assessment {
  // The edge refuses these with a 400; a request that reached the workflow another way is denied visibly, stored without its arguments.
  const problem = checkJsonLimits(request.args);
  if (problem) {
    const field = ['args', ...problem.path.map(String)].join('.');
    return {
      classification: { decision: 'deny', tier: 'critical', reasons: [storable(`invalid arguments: ${field}: ${problem.message}`)], policyVersion: policy.version },
      redactedArgs: {},
      guardrailFlags: [],
      injectionSuspected: false,
      invalidInput: 'arguments',
    };
  }
  return request.tool === PLAN_TOOL ? assessPlan(policy, request, agent, tools, options) : assessTool(policy, request, agent, tools);
}

function assessTool(policy: CompiledPolicy, request: AssessedRequest, agent: AssessedAgent, tools: AssessedTools, root = 'args'): Assessment {
  const tool = tools.get(request.tool);
  const redaction = redact(request.args, { root });
  const guardrailFlags = redaction.findings.map((f) => `sensitive data (${f.kind}) ${f.key ? 'in the field name at' : 'at'} ${f.path} redacted`);
  const base = { redactedArgs: redaction.value, guardrailFlags, injectionSuspected: false };

  if (tool) {
    const parsed = tool.args.safeParse(request.args);
    if (!parsed.success) {
      const denied: Classification = {
        decision: 'deny',
        tier: 'critical',
        reasons: [storable(`invalid arguments: ${formatZodError(parsed.error, root)}`)],
        policyVersion: policy.version,
      };
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
    const field = storable(finding.field);
    classification = escalateToApproval(policy, classification, tier, `guardrail: possible prompt injection in ${field} (${finding.reason})`);
    guardrailFlags.push(`possible prompt injection in ${field}: ${finding.reason}`);
  }
  return { ...base, classification, injectionSuspected: injection.length > 0 };
}

function assessPlan(policy: CompiledPolicy, request: AssessedRequest, agent: AssessedAgent, tools: AssessedTools, options: AssessOptions): Assessment {
  const classified = classifyPlan(
    policy,
    request.args,
    (step, index) => assessTool(policy, { ...request, tool: step.tool, args: step.args }, agent, tools, `args.steps[${index}].args`),
    options.reversible,
  );
  if (!classified.ok) {
    const redaction = redact(request.args, { root: 'args' });
    return {
      classification: { decision: 'deny', tier: 'critical', reasons: [storable(`invalid plan: ${formatZodError(classified.error, 'args')}`)], policyVersion: policy.version },
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
    stepClassifications: steps.map(({ assessed }) => assessed.classification),
    ...(invalidStep ? { invalidInput: 'arguments' as const } : {}),
  };
}

/**
 * A reason or flag as it is stored and shown: the argument paths and messages it quotes name the agent's keys, which
 * can hold what redaction removes from the arguments themselves (`args["dana@example.test"]`).
 */
function storable(text: string): string {
  return redactText(text).text;
}
