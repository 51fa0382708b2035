import type { Classification } from '@airlock/core/action';
import { formatZodError } from '@airlock/core/errors';
import { checkJsonLimits } from '@airlock/core/json-limits';
import { PLAN_TOOL, type PlanStep, type PlanStepView } from '@airlock/core/plan';
import type { RiskTier } from '@airlock/core/risk';
import { redact, redactText, scanForInjection, scanText, type InjectionFinding, type SensitiveFinding } from '@airlock/guardrails';
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
  const base = { redactedArgs: redaction.value, guardrailFlags: sensitiveDataFlags(redaction.findings), injectionSuspected: false };

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
  const classification = evaluatePolicy(policy, {
    tool: request.tool,
    // A gate-only action's tool lives with the agent: policy and least privilege still apply.
    toolKnown: tool !== undefined || request.execution === 'agent',
    args: request.args,
    agent: { id: agent.id, team: agent.team, owner: agent.ownerId, allowedTools: agent.allowedTools },
    rationale: request.rationale,
    signals: request.signals,
  });
  const injection = scanForInjection({ rationale: request.rationale, args: request.args });
  const escalated = escalateForInjection(policy, classification, injection);
  return { ...base, classification: escalated.classification, guardrailFlags: [...base.guardrailFlags, ...escalated.flags], injectionSuspected: injection.length > 0 };
}

function sensitiveDataFlags(findings: readonly SensitiveFinding[]): string[] {
  return findings.map((f) => `sensitive data (${f.kind}) ${f.key ? 'in the field name at' : 'at'} ${f.path} redacted`);
}

/** Each possible injection asks a person to look (critical when it is high severity), and is flagged. */
function escalateForInjection(policy: CompiledPolicy, classification: Classification, findings: readonly InjectionFinding[]): { classification: Classification; flags: string[] } {
  let escalated = classification;
  const flags: string[] = [];
  for (const finding of findings) {
    const tier: RiskTier = finding.severity === 'high' ? 'critical' : 'high';
    const field = storable(finding.field);
    escalated = escalateToApproval(policy, escalated, tier, `guardrail: possible prompt injection in ${field} (${finding.reason})`);
    flags.push(`possible prompt injection in ${field}: ${finding.reason}`);
  }
  return { classification: escalated, flags };
}

/** A plan step assessed as its tool alone, plus the step's own text. */
interface StepAssessment extends Assessment {
  /** The step's tool as written and its description, redacted: what is stored and shown. */
  shownStep: { tool: string; description?: string };
}

/**
 * A plan step: its tool's assessment, and the step's own text (its tool as written and its description, agent-written
 * free text that approvers read in the plan) redacted and scanned for injection like the arguments. The description
 * was stored and shown raw, and an instruction in it reached approvers unflagged. Reasons quote the tool as written.
 */
function assessPlanStep(policy: CompiledPolicy, request: AssessedRequest, agent: AssessedAgent, tools: AssessedTools, step: PlanStep, index: number): StepAssessment {
  const root = `args.steps[${index}]`;
  const assessed = assessTool(policy, { ...request, tool: step.tool, args: step.args }, agent, tools, `${root}.args`);
  const text = { tool: step.tool, ...(step.description !== undefined ? { description: step.description } : {}) };
  const redaction = redact(text, { root });
  const injection = Object.entries(text).flatMap(([key, value]) => scanText(value).map((finding) => ({ ...finding, field: `${root}.${key}` })));
  const escalated = escalateForInjection(policy, assessed.classification, injection);
  return {
    ...assessed,
    classification: { ...escalated.classification, reasons: escalated.classification.reasons.map(storable) },
    guardrailFlags: [...assessed.guardrailFlags, ...sensitiveDataFlags(redaction.findings), ...escalated.flags],
    injectionSuspected: assessed.injectionSuspected || injection.length > 0,
    shownStep: redaction.value,
  };
}

function assessPlan(policy: CompiledPolicy, request: AssessedRequest, agent: AssessedAgent, tools: AssessedTools, options: AssessOptions): Assessment {
  const classified = classifyPlan(policy, request.args, (step, index) => assessPlanStep(policy, request, agent, tools, step, index), options.reversible);
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
  const { steps } = classified.plan;
  // Its reasons name each step by its tool as written.
  const classification = { ...classified.plan.classification, reasons: classified.plan.classification.reasons.map(storable) };
  const plan: PlanStepView[] = steps.map(({ assessed, reversible }) => ({
    tool: assessed.shownStep.tool,
    ...(assessed.shownStep.description ? { description: assessed.shownStep.description } : {}),
    decision: assessed.classification.decision,
    tier: assessed.classification.tier,
    reversible: reversible === true,
    status: 'pending',
  }));
  const invalidStep = steps.find(({ assessed }) => assessed.invalidInput !== undefined);
  return {
    classification,
    redactedArgs: { steps: steps.map(({ assessed }) => storedStep(assessed)) },
    guardrailFlags: [...new Set(steps.flatMap(({ assessed }) => assessed.guardrailFlags))],
    injectionSuspected: steps.some(({ assessed }) => assessed.injectionSuspected),
    plan,
    stepClassifications: steps.map(({ assessed }) => assessed.classification),
    ...(invalidStep ? { invalidInput: 'arguments' as const } : {}),
  };
}

/** A plan step as stored: its arguments, tool and description redacted, in the step's own key order. */
function storedStep({ shownStep, redactedArgs }: StepAssessment): PlanStep {
  return { tool: shownStep.tool, args: redactedArgs, ...(shownStep.description !== undefined ? { description: shownStep.description } : {}) };
}

/**
 * A reason or flag as it is stored and shown: the argument paths and messages it quotes name the agent's keys, which
 * can hold what redaction removes from the arguments themselves (`args["dana@example.test"]`).
 */
function storable(text: string): string {
  return redactText(text).text;
}
