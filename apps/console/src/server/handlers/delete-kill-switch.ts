import { TENANT_TARGET } from '@airlock/db';
import { resumeScope } from '@airlock/ops';
import { authenticate, requireUser } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonBody } from '../request.js';
import { KillSwitchLiftBody, type KillSwitchLiftResult } from '../schemas.js';

/** DELETE /api/v1/kill-switch (admin): lifts the switch on exactly this scope and target; audited when one was in force. */
export const deleteKillSwitch = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  const admin = requireUser(await authenticate(request, ctx.db), 'admin');
  const { scope, target = TENANT_TARGET } = await readJsonBody(request, KillSwitchLiftBody);
  const result: KillSwitchLiftResult = await resumeScope({ db: ctx.db }, { scope, target, by: admin.userId });
  return jsonResponse(result);
});
