import type { KillPoint } from '@airlock/activities';
import { defaultActivityDeps } from '@airlock/activities';
import { postApproveAndRemember, schemas } from '@airlock/console';
import { createApiKey } from '@airlock/db';
import { approveAndRemember, userOperator } from '@airlock/ops';
import { Context } from '@temporalio/activity';
import { afterEach, describe, expect, it } from 'vitest';
import { apiRequest, contextOf, expectJson } from '../api/client.js';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { defaultPolicy, useSeededHarness } from '../support/harness.js';

// Approve and remember answered "no worker confirmed the decision" (503; Slack: try again, where a second click is
// refused "already approved by you") when Temporal had accepted the approval and only its writer was slow: the
// writer stores the grant, and the workflow answers the Update once it has. Now an approval the workflow holds is
// answered as accepted with the grant's id, and the grant appears once the writer gets through. The writer is held
// here (each attempt fails before writing, and Temporal retries it) until the answer came: an order, not a timing.

let holdWrites = false;
let heldWrites = 0;
function holdDecisionWrites(point: KillPoint): void {
  if (!holdWrites || point !== 'decision.before-write' || Context.current().info.activityType !== 'recordDecision') return;
  heldWrites++;
  throw new Error('decision write held (test)');
}

const h = useSeededHarness({ deps: (db) => ({ ...defaultActivityDeps(db, defaultPolicy()), killPoint: holdDecisionWrites }) });
afterEach(() => {
  holdWrites = false;
  heldWrites = 0;
});

const scope = { bounds: [{ arg: 'amount', kind: 'at_most', value: '100.00' }], maxUses: 1, validForHours: 1 };

/** Polls (a database round trip a step) until the grant is stored; Temporal retries the released writer with backoff. */
async function grantStored(grantId: string) {
  for (const stopAt = Date.now() + 60_000; Date.now() < stopAt; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const grant = await h.db.prisma.standingApproval.findUnique({ where: { id: grantId } });
    if (grant) return grant;
  }
  throw new Error(`standing approval ${grantId} was never stored`);
}

describe('approve and remember while the decision writer is held past the wait', () => {
  it('answers accepted with the grant’s id; the grant and the decision are stored once the writer runs', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '60.00' }));
    holdWrites = true;
    const bob = userOperator({ id: 'bob', role: 'admin' }, 'api');
    const answer = await approveAndRemember({ db: h.db, temporal: h.client, waitMs: 2_000 }, bob, { actionId, argsHash, ...scope });
    expect(answer).toMatchObject({ stored: false, actionId, grantId: expect.any(String) });
    expect(heldWrites).toBeGreaterThan(0);
    if (answer.stored) return;
    expect(await h.db.prisma.standingApproval.count({ where: { id: answer.grantId } })).toBe(0);

    holdWrites = false;
    expect(await grantStored(answer.grantId)).toMatchObject({ grantedBy: 'bob', agentId: 'billing-bot', tool: 'payments.refund', maxUses: 1 });
    expect(await h.db.prisma.approvalDecision.findFirst({ where: { approval: { actionId } } })).toMatchObject({ userId: 'bob', decision: 'approve' });
  });

  it('over REST: 202 with the grant’s id and what will happen, not a 503', async () => {
    // Over the first test's grant (at most 100.00), so it waits for a person.
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '150.00' }));
    holdWrites = true;
    const key = (await createApiKey(h.db, { userId: 'alice' })).key;
    const ctx = { ...contextOf(h), decisionWaitMs: 2_000 };
    const accepted = await expectJson(
      postApproveAndRemember(apiRequest(`/api/v1/actions/${actionId}/approve-and-remember`, { key, body: { argsHash, ...scope } }), ctx, { id: actionId }),
      202,
      schemas.RememberAcceptedView,
    );
    expect(accepted).toMatchObject({ actionId, accepted: true, message: expect.stringMatching(/workflow holds your approval.*nothing to decide again/) });
    holdWrites = false;
    expect(await grantStored(accepted.grantId)).toMatchObject({ grantedBy: 'alice' });
  });
});
