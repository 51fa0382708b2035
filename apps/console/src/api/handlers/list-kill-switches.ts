import { listSuspensions } from '@airlock/db';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import type { SuspensionList } from '../schemas.js';
import { toSuspension } from '../views.js';

/** GET /api/v1/kill-switch: the switches in force, newest first. */
export const getKillSwitches = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  await callerOf(request, ctx.db, 'list-kill-switches#getKillSwitches');
  const result: SuspensionList = { suspensions: (await listSuspensions(ctx.db, { activeOnly: true })).map(toSuspension) };
  return jsonResponse(result);
});
