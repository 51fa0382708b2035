import { describeZodIssues, formatZodError, PLAN_TOOL, PlanArgs, type Classification } from '@airlock/core';
import { assessRequest, type AssessedAgent } from '@airlock/policy/assessment';
import { defaultExecution, shippedTools } from '@airlock/policy/shipped-tools';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { invalidField } from './request.js';
import type { PolicyDryRunBody, PolicyDryRunResult, PolicyDryRunStep } from './schemas.js';
import { checkToolArgs } from './tool-args.js';

// Without an agent there is no one to hold to least privilege: every tool is in reach.
const ANY_AGENT: AssessedAgent = { id: '', team: '', ownerId: null, allowedTools: ['*'] };

/** What admission applies after its classification, from live state a dry run does not read or touch. */
const NOT_APPLIED = [
  'kill switch (agent or team suspended)',
  'rate limits',
  'budgets (cost reservation, approval thresholds)',
  'standing approvals',
  'rollback of plan steps (known to the workers)',
];

/**
 * What admission's classification decides for a request, agent and rationale: the same function
 * (`assessRequest`: argument checks, policy, least privilege, the guardrails' prompt-injection
 * escalation), with the tools Airlock ships standing in for a worker's registry. Pure: nothing runs
 * or is recorded.
 */
export async function dryRunPolicy(ctx: ApiContext, body: PolicyDryRunBody): Promise<PolicyDryRunResult> {
  checkToolArgs(body.tool, body.args);
  if (body.tool === PLAN_TOOL && body.execution === 'agent') throw invalidField('execution', `${PLAN_TOOL} cannot be a gate-only action`);
  let agent = ANY_AGENT;
  let disabled = false;
  if (body.agentId) {
    const row = await ctx.db.prisma.agent.findUnique({ where: { id: body.agentId }, select: { id: true, team: true, ownerId: true, allowedTools: true, disabledAt: true } });
    if (!row) throw invalidField('agentId', `no agent "${body.agentId}"`);
    agent = { id: row.id, team: row.team, ownerId: row.ownerId, allowedTools: row.allowedTools };
    disabled = row.disabledAt !== null;
  }
  const execution = body.execution ?? defaultExecution(body.tool, body.agentId ? agent.allowedTools : undefined);
  const { policy } = await ctx.policy.read();
  const common = { policyVersion: policy.version, execution, notApplied: NOT_APPLIED };
  // As admission refuses a disabled agent, before any policy.
  if (disabled) {
    return { ...common, classification: { decision: 'deny', tier: 'critical', reasons: [`agent "${agent.id}" is disabled`] }, guardrailFlags: [] };
  }
  const assessment = assessRequest(policy, { tool: body.tool, args: body.args, rationale: body.rationale, signals: body.signals, execution }, agent, shippedTools);
  const result = { ...common, classification: assessment.classification, guardrailFlags: assessment.guardrailFlags };
  if (body.tool !== PLAN_TOOL) return result;
  // checkToolArgs has refused a malformed plan already, with this same 400.
  const parsed = PlanArgs.safeParse(body.args);
  if (!parsed.success)
    throw new ApiError(400, 'invalid_request', `invalid arguments for ${PLAN_TOOL}: ${formatZodError(parsed.error, 'args')}`, describeZodIssues(parsed.error, 'args'));
  const steps = parsed.data.steps;
  const plan = (assessment.stepClassifications ?? []).map((classification: Classification, index): PolicyDryRunStep => ({
    tool: steps[index]!.tool,
    ...(steps[index]!.description ? { description: steps[index]!.description } : {}),
    decision: classification.decision,
    tier: classification.tier,
    reasons: classification.reasons,
    ...(classification.matchedRules ? { matchedRules: classification.matchedRules } : {}),
  }));
  return { ...result, plan };
}
