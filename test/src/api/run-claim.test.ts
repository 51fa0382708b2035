import { getAuthorization, postAuthorization, postClaim, postReport, schemas } from '@airlock/console';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiRequest, expectError, expectJson, useApiHarness } from './client.js';

// POST /api/v1/actions/:id/claim: a gate-only action's runner claims the authorized run before it
// starts the tool. One runner wins; another is a 409 `conflict` naming when it was claimed.

const { h, ctx, keys } = useApiHarness();

const authorize = (body: unknown, key = keys.agent) => postAuthorization(apiRequest('/api/v1/authorizations', { key, body }), ctx);
const authorization = (id: string, key = keys.agent) => getAuthorization(apiRequest(`/api/v1/actions/${id}/authorization?waitMs=20000`, { key }), ctx, { id });
const claim = (id: string, body: unknown, key = keys.agent) => postClaim(apiRequest(`/api/v1/actions/${id}/claim`, { key, body }), ctx, { id });
const report = (id: string, body: unknown, key = keys.agent) => postReport(apiRequest(`/api/v1/actions/${id}/report`, { key, body }), ctx, { id });
const Submitted = z.object({ actionId: z.string() });

async function granted(key: string) {
  const args = { message: key };
  const { actionId } = await expectJson(authorize({ tool: 'demo.echo', args, idempotencyKey: key }), 202, Submitted);
  const view = await expectJson(authorization(actionId), 200, schemas.AuthorizationView);
  return { actionId, args, authorizationId: view.authorizationId };
}

describe('claiming a gate-only action’s run over REST', () => {
  it('claims once: the same runner again gets the same answer, another runner a 409 naming when; GET shows claimedAt', async () => {
    const { actionId, args, authorizationId } = await granted('rest-claim-1');
    const first = await expectJson(claim(actionId, { authorizationId, runnerId: 'runner-a' }), 200, schemas.RunClaimView);
    expect(first).toEqual({ status: 'claimed', actionId, authorizationId, runnerId: 'runner-a', claimedAt: expect.any(String) });
    expect(await expectJson(claim(actionId, { authorizationId, runnerId: 'runner-a' }), 200, schemas.RunClaimView)).toEqual(first);
    const other = await expectError(claim(actionId, { authorizationId, runnerId: 'runner-b' }), 409, 'conflict');
    expect(other.message).toContain(`already claimed by another runner at ${first.claimedAt}`);
    expect(await expectJson(authorization(actionId), 200, schemas.AuthorizationView)).toMatchObject({ authorizationId, claimedAt: first.claimedAt });
    expect(await h.db.prisma.auditEvent.count({ where: { actionId, type: 'action.authorization_claimed' } })).toBe(1);

    // The report is taken as always; a claim after it is refused.
    await expectJson(report(actionId, { authorizationId, args, status: 'succeeded', output: 'ok' }), 200, schemas.ActionOutcome);
    await expectError(claim(actionId, { authorizationId, runnerId: 'runner-c' }), 409, 'decision_rejected');
  });

  it('refuses bad input with the field path; another agent’s key sees no such action; a user key is refused', async () => {
    const { actionId, authorizationId } = await granted('rest-claim-2');
    const missing = await expectError(claim(actionId, { authorizationId }), 400, 'invalid_request');
    expect(missing.issues?.map((i) => i.path)).toContain('runnerId');
    const empty = await expectError(claim(actionId, { authorizationId, runnerId: '' }), 400, 'invalid_request');
    expect(empty.issues?.map((i) => i.path)).toContain('runnerId');
    const unknown = await expectError(claim(actionId, { authorizationId, runnerId: 'r', status: 'x' }), 400, 'invalid_request');
    expect(unknown.message).toMatch(/status/);
    await expectError(claim(actionId, { authorizationId, runnerId: 'r' }, keys.otherAgent), 404, 'not_found');
    await expectError(claim(actionId, { authorizationId, runnerId: 'r' }, keys.alice), 403, 'forbidden');
    const forged = await expectError(claim(actionId, { authorizationId: 'forged', runnerId: 'r' }), 409, 'decision_rejected');
    expect(forged.message).toMatch(/unknown authorization id/);
    expect(await h.db.prisma.auditEvent.count({ where: { actionId, type: 'action.authorization_claimed' } })).toBe(0);
  });
});
