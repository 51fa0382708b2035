import { postAction, postCompensationResolution, postDecision, schemas } from '@airlock/console';
import { describe, expect, it } from 'vitest';
import { apiRequest, expectError, expectJson, useApiHarness, waitForActionStatus } from './client.js';

// Input the decision routes took past their checks. An approver's edit with an integer beyond 2^53 - 1 was approved
// with the value JSON parsing rounded it to (9007199254740993 ran as …992), though a new request's are refused. And an
// action id holding a NUL or a lone surrogate was a 500 from PostgreSQL, or a 503 "try again" from Temporal's gRPC,
// for an input that can never succeed.

const { h, ctx, keys } = useApiHarness();

describe('the decision routes refuse what they cannot take as sent', () => {
  it('an edit with an inexact integer is a 400 naming the field, and nothing is decided', async () => {
    const args = { paymentId: 'pay_1', amount: '125.00', currency: 'USD', reason: 'refund' };
    const body = { tool: 'payments.refund', args, rationale: 'test', idempotencyKey: 'inexact-edit' };
    const { actionId, argsHash } = await expectJson(postAction(apiRequest('/api/v1/actions', { key: keys.agent, body }), ctx), 202, schemas.SubmittedActionView);
    await waitForActionStatus(ctx, keys.alice, actionId, ['awaiting_approval']);

    const rawBody = `{"decision":"approve","argsHash":"${argsHash}","editedArgs":{"paymentId":"pay_1","amount":"120.00","currency":"USD","reason":"refund","ticket":9007199254740993}}`;
    const refused = await expectError(
      postDecision(apiRequest(`/api/v1/actions/${actionId}/decisions`, { key: keys.alice, rawBody }), ctx, { id: actionId }),
      400,
      'invalid_request',
    );
    expect(refused.issues?.[0]).toMatchObject({ path: 'editedArgs.ticket', message: expect.stringMatching(/9007199254740993|exact|2\^53|integer/) });
    expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(0);
  });

  it.each([
    ['a NUL', 'a\u0000b'],
    ['a lone surrogate', '\ud800x'],
  ])('an action id with %s is a 4xx: decisions name no action (404), compensations name the field (400)', async (_, id) => {
    const decision = await postDecision(apiRequest(`/api/v1/actions/x/decisions`, { key: keys.alice, body: { decision: 'deny', argsHash: 'a'.repeat(64) } }), ctx, { id });
    const compensation = await postCompensationResolution(apiRequest(`/api/v1/actions/x/compensations`, { key: keys.bob, body: { step: 1, resolution: 'retry' } }), ctx, { id });
    expect(decision.status).toBe(404);
    expect(compensation.status).toBe(400);
    expect(((await compensation.json()) as { error: { issues?: { path: string }[] } }).error.issues?.[0]?.path).toBe('actionId');
  });
});
