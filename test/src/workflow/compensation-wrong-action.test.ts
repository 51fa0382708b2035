import { postCompensationResolution } from '@airlock/console';
import { PLAN_TOOL, type ActionRequestInput } from '@airlock/core';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createApiKey } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, contextOf, expectError } from '../api/client.js';
import { waitForStatus } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';

// A compensation answer sent to an action that is not a plan waiting on one: a finished action answered 404
// "no action with this id" (its workflow is closed), a pending non-plan action 409 with Temporal's
// "No registered handler for update: resolveCompensation". Each is a conflict saying which; an unknown id stays 404.

let h: Harness;
let adminKey: string;
beforeAll(async () => {
  h = await startHarness();
  await seedTeam(h.db);
  adminKey = (await createApiKey(h.db, { userId: 'bob' })).key;
});
afterAll(async () => {
  await h?.close();
});

const request = (idempotencyKey: string, tool: string, args: Record<string, unknown>): ActionRequestInput => ({
  agentId: 'billing-bot',
  tool,
  args,
  rationale: 'r',
  idempotencyKey,
});
const post = (actionId: string) =>
  postCompensationResolution(apiRequest(`/api/v1/actions/${actionId}/compensations`, { key: adminKey, body: { step: 1, resolution: 'retry' } }), contextOf(h), { id: actionId });

describe('POST /api/v1/actions/:id/compensations on an action with no compensation waiting', () => {
  it('is a conflict for an action that has finished, not "no action with this id"', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, request('finished-echo', 'demo.echo', { message: 'hi' }));
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed' });
    const error = await expectError(post(actionId), 409, 'conflict');
    expect(error.message).toBe(`action ${actionId} has finished; no compensation is waiting`);
  });

  it('is a conflict naming the action for a pending action that is not a plan, or a plan not yet running, not Temporal’s words', async () => {
    const refund = await submitAction(
      h.client,
      h.taskQueue,
      request('pending-refund', 'payments.refund', { paymentId: 'pay_1', amount: '125.00', currency: 'USD', reason: 'dup' }),
    );
    const plan = await submitAction(
      h.client,
      h.taskQueue,
      request('pending-plan', PLAN_TOOL, { steps: [{ tool: 'payments.refund', args: { paymentId: 'pay_2', amount: '125.00', currency: 'USD', reason: 'dup' } }] }),
    );
    for (const { actionId } of [refund, plan]) {
      await waitForStatus(h.client, actionId, (s) => s.phase === 'awaiting_approval');
      const error = await expectError(post(actionId), 409, 'conflict');
      expect(error.message).toBe(`action ${actionId} is not a plan waiting on a compensation`);
    }
  });

  it('stays 404 for an id that names no action', async () => {
    const error = await expectError(post('00000000-0000-5000-8000-000000000000'), 404, 'not_found');
    expect(error.message).toBe('no action with this id');
  });
});
