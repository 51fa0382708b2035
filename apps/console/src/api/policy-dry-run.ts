import { evaluatePolicy, type PolicyInput } from '@airlock/policy';
import type { ApiContext } from './context.js';
import { invalidField } from './request.js';
import type { PolicyDryRunBody, PolicyDryRunResult } from './schemas.js';
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
  const classification = evaluatePolicy(policy, {
    tool: body.tool,
    toolKnown: isKnownTool(body.tool),
    args: body.args,
    agent,
    rationale: body.rationale,
    ...(body.signals ? { signals: body.signals } : {}),
  });
  return { policyVersion: policy.version, classification };
}
