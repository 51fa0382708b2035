import { submitAction } from '@airlock/core/gateway';
import { approvalForecastFor } from '../approval-forecast.js';
import { authenticate, requireAgent } from '../auth.js';
import type { ApiContext } from '../context.js';
import { forbidden, withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonBody } from '../request.js';
import { SubmitActionBody, type SubmittedActionView } from '../schemas.js';
import { checkToolArgs } from '../tool-args.js';

/** Sent by the SDK with the agent id the caller named (optional for other clients). */
export const AGENT_HEADER = 'airlock-agent-id';

/** POST /api/v1/actions: an agent asks to run a tool. 202 when new, 200 when the idempotency key matched. */
export const postAction = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  const agent = requireAgent(await authenticate(request, ctx.db));
  // The SDK names the agent it means; a key never acts for another agent, so a mismatch is refused, not rewritten.
  const claimed = request.headers.get(AGENT_HEADER);
  if (claimed !== null && claimed !== agent.agentId) {
    throw forbidden(`this API key belongs to agent "${agent.agentId}"; it cannot act as agent "${claimed}"`);
  }
  const body = await readJsonBody(request, SubmitActionBody);
  checkToolArgs(body.tool, body.args);
  const expectsApproval = await approvalForecastFor(ctx.policy, agent);
  const submitted = await submitAction(ctx.temporal, ctx.taskQueue, { ...body, agentId: agent.agentId }, { expectsApproval });
  const self = `/api/v1/actions/${submitted.actionId}`;
  const result: SubmittedActionView = {
    actionId: submitted.actionId,
    created: submitted.created,
    argsHash: submitted.argsHash,
    links: { self, outcome: `${self}/outcome` },
  };
  return jsonResponse(result, submitted.created ? 202 : 200, { location: self });
});
