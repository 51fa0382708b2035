import { listStandingApprovals } from '@airlock/db';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readQuery } from '../request.js';
import { StandingApprovalQuery, type StandingApprovalList } from '../schemas.js';
import { toStandingApprovalView } from '../views.js';

/** GET /api/v1/standing-approvals?agentId=&status=active|all: grants, newest first, each saying whether it is usable now. */
export const getStandingApprovals = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  await callerOf(request, ctx.db, 'list-standing-approvals#getStandingApprovals');
  const { agentId, status } = readQuery(request, StandingApprovalQuery);
  const now = new Date();
  const rows = await listStandingApprovals(ctx.db, { ...(agentId ? { agentId } : {}), ...(status === 'active' ? { activeAt: now } : {}) });
  const result: StandingApprovalList = { standingApprovals: rows.map((row) => toStandingApprovalView(row, now)) };
  return jsonResponse(result);
});
