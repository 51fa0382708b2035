import { suspendAndCancel } from '@airlock/ops';
import { operatorOf } from '../auth.js';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonValue } from '../request.js';
import type { KillSwitchResult } from '../schemas.js';

/**
 * POST /api/v1/kill-switch (admin): from now on the scope's new actions are
 * denied and its live ones cancelled through Temporal. The switch and its audit
 * row commit together. Suspending what is already suspended returns the switch in force.
 */
export const postKillSwitch = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  const operator = operatorOf(await callerOf(request, ctx.db, 'post-kill-switch#postKillSwitch'));
  const result: KillSwitchResult = await suspendAndCancel(ctx, operator, await readJsonValue(request));
  return jsonResponse(result);
});
