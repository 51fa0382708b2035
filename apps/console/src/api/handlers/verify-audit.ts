import { verifyAuditChain } from '@airlock/db';
import { authenticate, requireUser } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import type { ChainVerificationView } from '../schemas.js';

/** GET /api/v1/audit/verify: walks the whole hash chain; a broken one names its first bad seq. */
export const getAuditVerification = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  requireUser(await authenticate(request, ctx.db));
  const result: ChainVerificationView = await verifyAuditChain(ctx.db);
  return jsonResponse(result);
});
