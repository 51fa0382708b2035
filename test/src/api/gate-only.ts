import { getAuthorization, postAuthorization, postReport, schemas, type ApiContext } from '@airlock/console';
import { apiRequest, expectJson, type ApiBed } from './client.js';

/**
 * The agent's side of a gate-only action through the handlers, on a file's bed (`ctx` and `keys` are filled by its
 * beforeAll, so they are read when these run): a demo.echo authorization (allowed without approval) ready for the
 * agent's report, and the report itself.
 */
export function gateOnlyAgent(ctx: ApiContext, keys: ApiBed['keys']) {
  return {
    authorized: async (idempotencyKey: string) => {
      const body = { tool: 'demo.echo', args: { message: idempotencyKey }, idempotencyKey };
      const { actionId } = await expectJson(postAuthorization(apiRequest('/api/v1/authorizations', { key: keys.agent, body }), ctx), 202, schemas.SubmittedActionView);
      const read = getAuthorization(apiRequest(`/api/v1/actions/${actionId}/authorization?waitMs=20000`, { key: keys.agent }), ctx, { id: actionId });
      const authorization = await expectJson(read, 200, schemas.AuthorizationView);
      return { actionId, fields: { authorizationId: authorization.authorizationId, args: authorization.args } };
    },
    report: (actionId: string, body: unknown) => postReport(apiRequest(`/api/v1/actions/${actionId}/report`, { key: keys.agent, body }), ctx, { id: actionId }),
  };
}
