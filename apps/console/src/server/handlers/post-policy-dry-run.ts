import { evaluatePolicy, type PolicyInput } from '@airlock/policy';
import { authenticate, requireUser } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { invalidField, readJsonBody } from '../request.js';
import { PolicyDryRunBody, type PolicyDryRunResult } from '../schemas.js';
import { checkToolArgs, isKnownTool } from '../tool-args.js';

// Without an agent there is no one to hold to least privilege: every tool is in reach.
const ANY_AGENT: PolicyInput['agent'] = { id: '', team: '', owner: null, allowedTools: ['*'] };

/**
 * POST /api/v1/policy/dry-run: how the active policy classifies a request, as
 * admission's first step would. Pure: nothing runs, nothing is counted or recorded.
 */
export const postPolicyDryRun = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  requireUser(await authenticate(request, ctx.db));
  const body = await readJsonBody(request, PolicyDryRunBody);
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
  const result: PolicyDryRunResult = { policyVersion: policy.version, classification };
  return jsonResponse(result);
});
