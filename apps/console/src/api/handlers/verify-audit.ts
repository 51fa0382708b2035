import { verifyAuditChain } from '@airlock/db';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import type { ChainVerificationView } from '../schemas.js';

/** GET /api/v1/audit/verify: walks the whole hash chain; a broken one names its first bad seq. */
export const getAuditVerification = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  await callerOf(request, ctx.db, 'verify-audit#getAuditVerification');
  const result: ChainVerificationView = await verifyAuditChain(ctx.db);
  return jsonResponse(result);
});
