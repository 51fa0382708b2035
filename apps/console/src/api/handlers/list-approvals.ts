import { listApprovals } from '../approvals.js';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readQuery } from '../request.js';
import { ApprovalListQuery } from '../schemas.js';

/** GET /api/v1/approvals?status=open: what people are asked to decide, with the args hash to decide on. */
export const getApprovals = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  await callerOf(request, ctx.db, 'list-approvals#getApprovals');
  const query = readQuery(request, ApprovalListQuery);
  return jsonResponse({ approvals: await listApprovals(ctx.db, query) });
});
