import { describeZodIssues, formatZodError, PLAN_TOOL, type Classification } from '@airlock/core';
import { classifyPlan, evaluatePolicy, type CompiledPolicy, type PolicyInput } from '@airlock/policy';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { invalidField } from './request.js';
import type { PolicyDryRunBody, PolicyDryRunResult, PolicyDryRunStep } from './schemas.js';
import { checkToolArgs, isKnownTool } from './tool-args.js';

// Without an agent there is no one to hold to least privilege: every tool is in reach.
const ANY_AGENT: PolicyInput['agent'] = { id: '', team: '', owner: null, allowedTools: ['*'] };

/** How the active policy classifies a request, as admission's first step would. Pure: nothing runs or is recorded. */
export async function dryRunPolicy(ctx: ApiContext, body: PolicyDryRunBody): Promise<PolicyDryRunResult> {
  checkToolArgs(body.tool, body.args);
  let agent = ANY_AGENT;
  if (body.agentId) {
    const row = await ctx.db.prisma.agent.findUnique({ where: { id: body.agentId }, select: { id: true, team: true, ownerId: true, allowedTools: true } });
    if (!row) throw invalidField('agentId', `no agent "${body.agentId}"`);
    agent = { id: row.id, team: row.team, owner: row.ownerId, allowedTools: row.allowedTools };
  }
  const { policy } = await ctx.policy.read();
  const classifyTool = (tool: string, args: Record<string, unknown>): Classification =>
    evaluatePolicy(policy, {
      tool,
      toolKnown: isKnownTool(tool),
      args,
      agent,
      rationale: body.rationale,
      ...(body.signals ? { signals: body.signals } : {}),
    });
  if (body.tool === PLAN_TOOL) return dryRunPlan(policy, body.args, classifyTool);
  return { policyVersion: policy.version, classification: classifyTool(body.tool, body.args) };
}

/** A plan is classified step by step, as admission classifies it (`classifyPlan`), each step as the same request for its tool alone. */
function dryRunPlan(policy: CompiledPolicy, args: Record<string, unknown>, classifyTool: (tool: string, args: Record<string, unknown>) => Classification): PolicyDryRunResult {
  const classified = classifyPlan(policy, args, (step) => ({ classification: classifyTool(step.tool, step.args) }));
  // checkToolArgs has refused a malformed plan already, with this same 400.
  if (!classified.ok)
    throw new ApiError(400, 'invalid_request', `invalid arguments for ${PLAN_TOOL}: ${formatZodError(classified.error, 'args')}`, describeZodIssues(classified.error, 'args'));
  const plan = classified.plan.steps.map(({ step, assessed: { classification } }): PolicyDryRunStep => ({
    tool: step.tool,
    ...(step.description ? { description: step.description } : {}),
    decision: classification.decision,
    tier: classification.tier,
    reasons: classification.reasons,
    ...(classification.matchedRules ? { matchedRules: classification.matchedRules } : {}),
  }));
  return { policyVersion: policy.version, classification: classified.plan.classification, plan };
}
