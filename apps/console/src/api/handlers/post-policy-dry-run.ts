import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { dryRunPolicy } from '../policy-dry-run.js';
import { readJsonBody } from '../request.js';
import { PolicyDryRunBody } from '../schemas.js';

/** POST /api/v1/policy/dry-run: how the active policy classifies a request. Pure: nothing runs, nothing is counted or recorded. */
export const postPolicyDryRun = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  await callerOf(request, ctx.db, 'post-policy-dry-run#postPolicyDryRun');
  const body = await readJsonBody(request, PolicyDryRunBody);
  return jsonResponse(await dryRunPolicy(ctx, body));
});
