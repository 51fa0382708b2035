import { getAuthorization, postAuthorization, schemas } from '@airlock/console';
import { grantStandingApproval } from '@airlock/db';
import { describe, expect, it } from 'vitest';
import { apiRequest, expectJson, useApiHarness } from '../api/client.js';

// A standing approval's "amount at most 200.00" (`cents(args["amount"]) <= 20000`, docs/APPROVALS.md) and a
// gate-only action the agent runs itself (no tool schema checks its arguments): a signed amount passed the
// "at most" test, so the grant approved "-999999.00" with no one asked. Fixed in cents() (packages/policy/src/cel.ts).

const { h, ctx, keys } = useApiHarness();

describe('a standing approval and a signed amount over REST', { timeout: 60_000 }, () => {
  it('a signed amount is not covered by an "at most" grant: it waits for a person', async () => {
    const now = Date.now();
    await grantStandingApproval(h.db, {
      agentId: 'billing-bot',
      tool: 'payments.credit',
      condition: 'cents(args["amount"]) <= 20000',
      reason: 'routine small credits',
      grantedBy: 'alice',
      validFrom: new Date(now - 3_600_000),
      validUntil: new Date(now + 3_600_000),
      maxUses: 10,
    });
    const authorize = async (amount: string, idempotencyKey: string) => {
      const body = { tool: 'payments.credit', args: { account: 'acct_1', amount }, idempotencyKey };
      const { actionId } = await expectJson(postAuthorization(apiRequest('/api/v1/authorizations', { key: keys.agent, body }), ctx), 202, schemas.SubmittedActionView);
      return getAuthorization(apiRequest(`/api/v1/actions/${actionId}/authorization?waitMs=5000`, { key: keys.agent }), ctx, { id: actionId });
    };
    // Covered: authorized by the grant, nobody asked.
    expect(await expectJson(authorize('150.00', 'grant-covered'), 200, schemas.AuthorizationView)).toMatchObject({ status: 'authorized' });
    // Signed: a person decides.
    expect(await expectJson(authorize('-999999.00', 'grant-signed'), 202, schemas.PendingAuthorization)).toMatchObject({ status: 'pending', phase: 'awaiting_approval' });
  });
});
