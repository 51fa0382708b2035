import { randomUUID } from 'node:crypto';
import { getAuthorization, getOutcome, postAction, postAuthorization, schemas, type ApiContext } from '@airlock/console';
import { workflowIdForAction } from '@airlock/core';
import { decideAction } from '@airlock/core/gateway';
import { createApiKey } from '@airlock/db';
import { revokeKey, runUseCase, userOperator } from '@airlock/ops';
import { describe, expect, it, vi } from 'vitest';
import { apiRequest, expectError, expectJson, useApiHarness, waitForActionStatus } from './client.js';

const { h, ctx, keys } = useApiHarness();

const refund = (idempotencyKey: string) => ({ tool: 'payments.refund', args: { paymentId: 'p', amount: '500.00', currency: 'USD', reason: 'r' }, idempotencyKey });
const admin = userOperator({ id: 'bob', role: 'admin' }, 'api');

/**
 * Sends a long poll and resolves once it waits: its handler has authenticated the key and called the Temporal
 * client's withDeadline, which both waits do first (the outcome's long poll, the authorization's first read).
 */
async function waiting(send: () => Promise<Response>): Promise<{ answer: Promise<Response> }> {
  const original = h.client.withDeadline.bind(h.client);
  let begun!: () => void;
  const waits = new Promise<void>((resolve) => (begun = resolve));
  const spy = vi.spyOn(h.client, 'withDeadline').mockImplementation(((deadline: number, fn: () => Promise<unknown>) => {
    begun();
    return original(deadline, fn);
  }) as typeof h.client.withDeadline);
  const answer = send();
  try {
    await waits;
  } finally {
    spy.mockRestore();
  }
  return { answer };
}

/** A key of billing-bot's own, revoked as an admin revokes one (the ops layer, audited). */
async function revocableKey() {
  const { id, key } = await createApiKey(h.db, { agentId: 'billing-bot' }, `long-poll-${randomUUID()}`);
  return { key, revoke: () => runUseCase({ db: h.db }, admin, revokeKey, { id }) };
}

describe('a long poll whose key is revoked while it waits', () => {
  it('GET /authorization answers 401, not the authorization the approval then gives', async () => {
    const { key, revoke } = await revocableKey();
    const { actionId, argsHash } = await expectJson(
      postAuthorization(apiRequest('/api/v1/authorizations', { key, body: refund('revoked-wait-1') }), ctx),
      202,
      schemas.SubmittedActionView,
    );
    while (
      (await expectJson(getAuthorization(apiRequest(`/api/v1/actions/${actionId}/authorization`, { key }), ctx, { id: actionId }), 202, schemas.PendingAuthorization)).phase !==
      'awaiting_approval'
    );

    const { answer } = await waiting(() => getAuthorization(apiRequest(`/api/v1/actions/${actionId}/authorization?waitMs=30000`, { key }), ctx, { id: actionId }));
    await revoke();
    await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
    await expectError(answer, 401, 'unauthenticated');
    // The authorization is out (the wait would have handed it over): only the key's holder was refused.
    expect(
      await expectJson(getAuthorization(apiRequest(`/api/v1/actions/${actionId}/authorization`, { key: keys.agent }), ctx, { id: actionId }), 200, schemas.AuthorizationView),
    ).toMatchObject({
      status: 'authorized',
    });
  });

  it('GET /outcome answers 401, not the outcome the approval then brings', async () => {
    const { key, revoke } = await revocableKey();
    const { actionId, argsHash } = await expectJson(postAction(apiRequest('/api/v1/actions', { key, body: refund('revoked-wait-2') }), ctx), 202, schemas.SubmittedActionView);
    await waitForActionStatus(ctx, keys.agent, actionId, ['awaiting_approval']);

    const { answer } = await waiting(() => getOutcome(apiRequest(`/api/v1/actions/${actionId}/outcome?waitMs=30000`, { key }), ctx, { id: actionId }));
    await revoke();
    await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
    await expectError(answer, 401, 'unauthenticated');
    await waitForActionStatus(ctx, keys.agent, actionId, ['executed']);
  });
});

describe('an authorization wait with no worker on the action’s queue', () => {
  it('answers 503 naming the missing worker once waitMs is over, not after Temporal’s 30 s query timeout', async () => {
    const idle: ApiContext = { ...ctx, taskQueue: `no-worker-${randomUUID()}` };
    const body = { tool: 'demo.echo', args: { message: 'nobody listens' }, idempotencyKey: 'no-worker-1' };
    const { actionId } = await expectJson(postAuthorization(apiRequest('/api/v1/authorizations', { key: keys.agent, body }), idle), 202, schemas.SubmittedActionView);
    try {
      const sentAt = Date.now();
      const error = await expectError(
        getAuthorization(apiRequest(`/api/v1/actions/${actionId}/authorization?waitMs=1000`, { key: keys.agent }), idle, { id: actionId }),
        503,
        'unavailable',
      );
      expect(error.message).toMatch(/no worker answered the status query/);
      // Structural, not a measure of speed: each read's deadline is a few seconds, Temporal's own 30 s.
      expect(Date.now() - sentAt).toBeLessThan(15_000);
    } finally {
      await h.client.workflow.getHandle(workflowIdForAction(actionId)).terminate('test over');
    }
  });
});
