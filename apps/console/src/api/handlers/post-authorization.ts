import { PLAN_TOOL } from '@airlock/core';
import { submitAction } from '@airlock/core/gateway';
import { approvalForecastFor } from '../approval-forecast.js';
import { refuseOtherAgent, requireAgent } from '../auth.js';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { recordedRequestIn } from '../recorded-request.js';
import { invalidField, readJsonBody } from '../request.js';
import { AuthorizationRequestBody, type SubmittedActionView } from '../schemas.js';
import { checkToolArgs } from '../tool-args.js';

/** POST /api/v1/authorizations: a gate-only action; the agent runs the tool once authorized and reports. */
export const postAuthorization = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  const agent = requireAgent(await callerOf(request, ctx.db, 'post-authorization#postAuthorization'));
  refuseOtherAgent(request, agent);
  const body = await readJsonBody(request, AuthorizationRequestBody);
  // A plan's steps run in the worker with compensations; an agent cannot run one as a single tool.
  if (body.tool === PLAN_TOOL) throw invalidField('tool', `${PLAN_TOOL} cannot be a gate-only action`);
  checkToolArgs(body.tool, body.args);
  const expectsApproval = await approvalForecastFor(ctx.policy, agent);
  const submitted = await submitAction(
    ctx.temporal,
    ctx.taskQueue,
    { ...body, agentId: agent.agentId, execution: 'agent' },
    { expectsApproval, recordedRequest: recordedRequestIn(ctx.db) },
  );
  const self = `/api/v1/actions/${submitted.actionId}`;
  const result: SubmittedActionView & { links: { authorization: string } } = {
    actionId: submitted.actionId,
    created: submitted.created,
    argsHash: submitted.argsHash,
    links: { self, outcome: `${self}/outcome`, authorization: `${self}/authorization` },
  };
  return jsonResponse(result, submitted.created ? 202 : 200, { location: self });
});
