import { listSuspensions } from '@airlock/db';
import { authenticate, requireUser } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import type { SuspensionList } from '../schemas.js';
import { toSuspension } from '../views.js';

/** GET /api/v1/kill-switch: the switches in force, newest first. */
export const getKillSwitches = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  requireUser(await authenticate(request, ctx.db));
  const result: SuspensionList = { suspensions: (await listSuspensions(ctx.db, { activeOnly: true })).map(toSuspension) };
  return jsonResponse(result);
});
