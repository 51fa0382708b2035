import { NotAgentRunError, reportAgentRun } from '@airlock/core/agent-gateway';
import { actionHandle } from '@airlock/core/gateway';
import { REPORT_BODY_MAX_BYTES } from '@airlock/core/report-storage';
import { actionIdFrom } from '../action-lookup.js';
import { requireAgent } from '../auth.js';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound, withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonBody } from '../request.js';
import { AgentReportBody } from '../schemas.js';

/** A report's body bound (REPORT_BODY_MAX_BYTES: an output past the storage limits is stored, not refused). */
export const MAX_REPORT_BODY_BYTES = REPORT_BODY_MAX_BYTES;

/** POST /api/v1/actions/:id/report: the agent reports its own run of a gate-only action; answers with the outcome. */
export const postReport = withErrors(async (request: Request, ctx: ApiContext, params: { id: string }): Promise<Response> => {
  const agent = requireAgent(await callerOf(request, ctx.db, 'post-report#postReport'));
  const actionId = actionIdFrom(params.id);
  const body = await readJsonBody(request, AgentReportBody, { maxBytes: MAX_REPORT_BODY_BYTES });
  const { memo } = await actionHandle(ctx.temporal, actionId).describe();
  if (memo?.agentId !== agent.agentId) throw notFound();
  try {
    return jsonResponse(await reportAgentRun(ctx.temporal, actionId, body));
  } catch (error) {
    if (error instanceof NotAgentRunError) throw new ApiError(409, 'decision_rejected', error.message);
    throw error;
  }
});
