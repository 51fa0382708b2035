import { randomUUID } from 'node:crypto';
import { getOutcome, postAction, postActionCancel, postAuthorization, schemas, type ApiContext } from '@airlock/console';
import { workflowIdForAction } from '@airlock/core';
import { WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { apiRequest, expectError, expectJson, useApiHarness, waitForActionStatus } from './client.js';
import { gateOnlyAgent } from './gate-only.js';

const { h, ctx, keys } = useApiHarness();
const gate = gateOnlyAgent(ctx, keys);

const submit = (body: unknown) => postAction(apiRequest('/api/v1/actions', { key: keys.agent, body }), ctx);
const authorize = (body: unknown) => postAuthorization(apiRequest('/api/v1/authorizations', { key: keys.agent, body }), ctx);

/** What the namespace's retention does to a closed workflow: Temporal no longer knows it (its id is free again). */
async function forget(actionId: string): Promise<void> {
  const workflowId = workflowIdForAction(actionId);
  await h.client.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId } });
  // The deletion is carried out after the call answers: wait until describe no longer finds it.
  for (;;) {
    if (!(await workflowKnown(actionId))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function workflowKnown(actionId: string): Promise<boolean> {
  try {
    await h.client.workflow.getHandle(workflowIdForAction(actionId)).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

const requestedRows = (actionId: string) => h.db.prisma.auditEvent.count({ where: { actionId, type: 'action.requested' } });

describe('an idempotency key whose workflow Temporal has forgotten (retention)', () => {
  it('worker-run: other arguments are a 409; the same ones answer the recorded action, and no workflow starts', async () => {
    const first = { tool: 'demo.echo', args: { message: 'first' }, idempotencyKey: 'retained-1' };
    const { actionId } = await expectJson(submit(first), 202, schemas.SubmittedActionView);
    await waitForActionStatus(ctx, keys.agent, actionId, ['executed']);
    await forget(actionId);

    const conflict = await expectError(submit({ ...first, args: { message: 'second, other arguments' } }), 409, 'idempotency_conflict');
    expect(conflict.message).toContain(`already used by action ${actionId} with a different tool or arguments`);
    await expectError(submit({ ...first, tool: 'demo.sleep', args: { ms: 1 } }), 409, 'idempotency_conflict');
    await expectError(submit({ ...first, requestedBy: 'dana' }), 409, 'idempotency_conflict');
    // Another execution, where the record shows how the first ran (here, in the worker).
    await expectError(authorize(first), 409, 'idempotency_conflict');

    const again = await expectJson(submit(first), 200, schemas.SubmittedActionView);
    expect(again).toMatchObject({ actionId, created: false });
    expect(await workflowKnown(actionId)).toBe(false);
    expect(await requestedRows(actionId)).toBe(1);
    const outcome = await expectJson(getOutcome(apiRequest(`/api/v1/actions/${actionId}/outcome`, { key: keys.agent }), ctx, { id: actionId }), 200, schemas.ActionOutcome);
    expect(outcome).toMatchObject({ status: 'executed', output: { message: 'first' } });
  });

  it('gate-only: other arguments are a 409; the same ones answer the recorded action, and no workflow starts', async () => {
    const { actionId, fields } = await gate.authorized('retained-2');
    await expectJson(gate.report(actionId, { ...fields, status: 'succeeded', output: 'ok' }), 200, schemas.ActionOutcome);
    await forget(actionId);

    const first = { tool: 'demo.echo', args: { message: 'retained-2' }, idempotencyKey: 'retained-2' };
    await expectError(authorize({ ...first, args: { message: 'other' } }), 409, 'idempotency_conflict');
    // Authorized once: the record shows it ran in the agent, so the same arguments for the worker are another request.
    await expectError(submit(first), 409, 'idempotency_conflict');
    expect(await expectJson(authorize(first), 200, schemas.SubmittedActionView)).toMatchObject({ actionId, created: false });
    expect(await workflowKnown(actionId)).toBe(false);
    expect(await requestedRows(actionId)).toBe(1);
  });

  it('cancelled before a decision: a larger refund under the same key is a 409, not a new workflow', async () => {
    const first = { tool: 'payments.refund', args: { paymentId: 'pay_retained', amount: '60.00', currency: 'EUR', reason: 'twice' }, idempotencyKey: 'retained-3' };
    const { actionId } = await expectJson(submit(first), 202, schemas.SubmittedActionView);
    await waitForActionStatus(ctx, keys.agent, actionId, ['awaiting_approval']);
    const cancel = postActionCancel(apiRequest(`/api/v1/actions/${actionId}/cancel`, { key: keys.agent, method: 'POST' }), ctx, { id: actionId });
    expect((await cancel).status).toBe(202);
    await waitForActionStatus(ctx, keys.agent, actionId, ['cancelled']);
    await forget(actionId);

    await expectError(submit({ ...first, args: { ...first.args, amount: '900.00' } }), 409, 'idempotency_conflict');
    expect(await workflowKnown(actionId)).toBe(false);
    // Neither run nor authorized: the record cannot tell how it was to run, and the same request is the same action.
    expect(await expectJson(submit(first), 200, schemas.SubmittedActionView)).toMatchObject({ actionId, created: false });
    expect(await workflowKnown(actionId)).toBe(false);
    const outcome = await expectJson(getOutcome(apiRequest(`/api/v1/actions/${actionId}/outcome`, { key: keys.agent }), ctx, { id: actionId }), 200, schemas.ActionOutcome);
    expect(outcome.status).toBe('cancelled');
  });

  it('while Temporal keeps the workflow, a repeat is the same action and another request a 409', async () => {
    const body = { tool: 'demo.echo', args: { message: 'kept' }, idempotencyKey: 'retained-4' };
    const { actionId } = await expectJson(submit(body), 202, schemas.SubmittedActionView);
    await waitForActionStatus(ctx, keys.agent, actionId, ['executed']);
    expect(await expectJson(submit(body), 200, schemas.SubmittedActionView)).toMatchObject({ actionId, created: false });
    await expectError(submit({ ...body, args: { message: 'other' } }), 409, 'idempotency_conflict');
    await expectError(submit({ ...body, requestedBy: 'dana' }), 409, 'idempotency_conflict');
  });
});

describe('an idempotency key whose action is not admitted yet (no worker on its queue)', () => {
  it("is checked against the workflow's memo, a request naming nobody included", async () => {
    const idle: ApiContext = { ...ctx, taskQueue: `no-worker-${randomUUID()}` };
    const body = { tool: 'demo.echo', args: { message: 'unadmitted' }, idempotencyKey: 'unadmitted-1' };
    const post = (sent: unknown) => postAction(apiRequest('/api/v1/actions', { key: keys.agent, body: sent }), idle);
    const { actionId } = await expectJson(post(body), 202, schemas.SubmittedActionView);
    try {
      expect(await expectJson(post(body), 200, schemas.SubmittedActionView)).toMatchObject({ actionId, created: false });
      await expectError(post({ ...body, args: { message: 'other' } }), 409, 'idempotency_conflict');
      // The first named nobody: a null requestedBy was dropped from the memo, and another person was then taken as the same request.
      const conflict = await expectError(post({ ...body, requestedBy: 'dana' }), 409, 'idempotency_conflict');
      expect(conflict.message).toContain('different requestedBy (nobody; this request names "dana")');
    } finally {
      await h.client.workflow.getHandle(workflowIdForAction(actionId)).terminate('test over');
    }
  });
});
