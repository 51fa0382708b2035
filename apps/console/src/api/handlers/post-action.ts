import { submitAction } from '@airlock/core/gateway';
import { approvalForecastFor } from '../approval-forecast.js';
import { refuseOtherAgent, requireAgent } from '../auth.js';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { recordedRequestIn } from '../recorded-request.js';
import { readJsonBody } from '../request.js';
import { SubmitActionBody, type SubmittedActionView } from '../schemas.js';
import { checkToolArgs } from '../tool-args.js';

/** POST /api/v1/actions: an agent asks to run a tool. 202 when new, 200 when the idempotency key matched. */
export const postAction = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  const agent = requireAgent(await callerOf(request, ctx.db, 'post-action#postAction'));
  refuseOtherAgent(request, agent);
  const body = await readJsonBody(request, SubmitActionBody);
  checkToolArgs(body.tool, body.args);
  const expectsApproval = await approvalForecastFor(ctx.policy, agent);
  const submitted = await submitAction(ctx.temporal, ctx.taskQueue, { ...body, agentId: agent.agentId }, { expectsApproval, recordedRequest: recordedRequestIn(ctx.db) });
  const self = `/api/v1/actions/${submitted.actionId}`;
  const result: SubmittedActionView = {
    actionId: submitted.actionId,
    created: submitted.created,
    argsHash: submitted.argsHash,
    links: { self, outcome: `${self}/outcome` },
  };
  return jsonResponse(result, submitted.created ? 202 : 200, { location: self });
});
