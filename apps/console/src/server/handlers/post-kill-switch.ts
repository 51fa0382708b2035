import { TENANT_TARGET } from '@airlock/db';
import { suspendAndCancel } from '@airlock/ops';
import { authenticate, requireUser } from '../auth.js';
import type { ApiContext } from '../context.js';
import { ApiError, withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonBody } from '../request.js';
import { KillSwitchBody, type KillSwitchResult } from '../schemas.js';

/**
 * POST /api/v1/kill-switch (admin): from now on the scope's new actions are
 * denied and its live ones cancelled through Temporal. Audited by suspendAndCancel.
 * Suspending what is already suspended returns the switch in force.
 */
export const postKillSwitch = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  const admin = requireUser(await authenticate(request, ctx.db), 'admin');
  const { scope, target = TENANT_TARGET, reason } = await readJsonBody(request, KillSwitchBody);
  // A mistyped agent id would stop nothing while looking like it did.
  if (scope === 'agent' && !(await ctx.db.prisma.agent.findUnique({ where: { id: target }, select: { id: true } }))) {
    throw new ApiError(404, 'not_found', `no agent "${target}"`);
  }
  const result: KillSwitchResult = await suspendAndCancel({ db: ctx.db, temporal: ctx.temporal }, { scope, target, reason, by: admin.userId });
  return jsonResponse(result);
});
