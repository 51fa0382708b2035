import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import type { PolicyView } from '../schemas.js';

/** GET /api/v1/policy: the active policy's version, file and text, so a person can read what decides. */
export const getPolicy = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  await callerOf(request, ctx.db, 'get-policy#getPolicy');
  const { policy, text } = await ctx.policy.read();
  const result: PolicyView = { version: policy.version, source: policy.source, ruleCount: policy.rules.length, rateLimitCount: policy.rateLimits.length, text };
  return jsonResponse(result);
});
