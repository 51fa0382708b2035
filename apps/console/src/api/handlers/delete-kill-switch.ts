import { resumeScope, runUseCase } from '@airlock/ops';
import { operatorOf } from '../auth.js';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonValue } from '../request.js';
import type { KillSwitchLiftResult } from '../schemas.js';

/** DELETE /api/v1/kill-switch (admin): lifts the switch on exactly this scope and target; audited when one was in force. */
export const deleteKillSwitch = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  const operator = operatorOf(await callerOf(request, ctx.db, 'delete-kill-switch#deleteKillSwitch'));
  const result: KillSwitchLiftResult = await runUseCase(ctx, operator, resumeScope, await readJsonValue(request));
  return jsonResponse(result);
});
