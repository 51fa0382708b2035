import { defaultActivityDeps } from '@airlock/activities';
import { claimAgentRun, readAuthorization } from '@airlock/core/agent-gateway';
import { actionHandle, awaitOutcome, DecisionRejectedError, getActionStatus } from '@airlock/core/gateway';
import { verifyAuditChain, createUser } from '@airlock/db';
import { suspendAndCancel, userOperator } from '@airlock/ops';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hold, releaseAllHolds, withHolds } from '../support/activity-holds.js';
import { authorizedRefund as authorizedRefundOf, settle } from '../support/authorized-refund.js';
import { defaultPolicy, startHarness, type Harness } from '../support/harness.js';

// A claim that reaches the workflow while a cancellation's revocation runs its activities (the phase still says
// awaiting_report): the runner must be told not to run, and the action must end saying the tool did not run.
// Three checks stand in the way, each enough alone: the claim validator (`revoking` makes the authorization unusable
// while the revocation runs), the claim's recording (refused under a kill switch), and the answer as of the claim's
// task (run-claim-answered-as-of-its-task: the cancellation is in it). With `revoking` and the last one both off, the
// operator-cancel case is answered "run" and fails here.

let h: Harness;
const admin = userOperator({ id: 'bob', role: 'admin' }, 'api');
// The revocation's activities are local: the claim is taken only in the task after the held one's heartbeat (about 8 s),
// and the window must outlast that on a busy machine (a claim refused for expiry proves nothing: asserted below). The
// action ends when it expires (revoked, unreported).
const WINDOW_MS = 30_000;

beforeAll(async () => {
  h = await startHarness({ deps: (db) => defaultActivityDeps(withHolds(db), defaultPolicy()) });
  // The operator the kill switch is engaged as: a use case reads the operator's own row again as it writes.
  await createUser(h.db, { id: 'bob', role: 'admin' });
});
afterEach(() => {
  releaseAllHolds();
});
afterAll(async () => {
  await h?.close();
});

const authorizedRefund = (agentId: string) => authorizedRefundOf(h, agentId, WINDOW_MS);

describe('a run claim while a cancellation revokes the authorization', () => {
  for (const how of ['kill switch', 'operator cancel'] as const) {
    it(`by ${how}: the runner is told not to run, and the action ends saying the tool did not run`, async () => {
      const agentId = `revoking-${how.replace(' ', '-')}`;
      const { actionId, authorization } = await authorizedRefund(agentId);
      const revocation = hold('revokeAuthorization');
      if (how === 'kill switch') await suspendAndCancel({ db: h.db, temporal: h.client }, admin, { scope: 'agent', target: agentId, reason: 'incident 51' });
      else await actionHandle(h.client, actionId).cancel();
      await revocation.entered;
      // Still awaiting its report as far as the phase says: the revocation's activities are in flight.
      expect((await getActionStatus(h.client, actionId)).phase).toBe('awaiting_report');
      const answer = await settle(claimAgentRun(h.client, actionId, { authorizationId: authorization.authorizationId, runnerId: 'runner' }));
      revocation.release();

      // Refused by the validator (the flag `revoking`), or, admitted, by the claim's handler: never told to run.
      expect(answer).toMatchObject({ status: 'rejected', reason: expect.any(DecisionRejectedError) });
      const refusal = ((answer as PromiseRejectedResult).reason as Error).message;
      expect(refusal).toMatch(/no longer usable \(expired, revoked or cancelled\)|do not run the tool/);
      expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'cancelled', reason: expect.stringMatching(/; the authorization was revoked before it was used$/) });
      const state = await readAuthorization(h.client, actionId);
      expect(state.state === 'completed' ? state.authorization?.claimedAt : 'unread').toBeUndefined();
      const types = (await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } })).map((e) => e.type);
      expect(types).toContain('action.authorization_revoked');
      expect(types.at(-1)).toBe('action.completed');
      const usage = await h.db.prisma.budgetUsage.findFirstOrThrow({ where: { budget: { target: agentId } } });
      expect({ spent: usage.spent.toFixed(2), reserved: usage.reserved.toFixed(2) }).toEqual({ spent: '0.00', reserved: '0.00' });
      expect(await verifyAuditChain(h.db)).toMatchObject({ ok: true });
    });
  }
});
