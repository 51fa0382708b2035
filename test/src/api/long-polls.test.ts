import { randomUUID } from 'node:crypto';
import { getAuthorization, postAuthorization, schemas, type ApiContext } from '@airlock/console';
import { workflowIdForAction } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { apiRequest, expectError, expectJson, useApiHarness } from './client.js';

const { h, ctx, keys } = useApiHarness();

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
