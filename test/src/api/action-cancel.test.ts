import { getOutcome, postAction, postActionCancel, schemas } from '@airlock/console';
import { actionHandle } from '@airlock/core/gateway';
import { cancelAction } from '@airlock/ops';
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { failFirstAuditAppend } from '../support/audit-faults.js';
import { apiRequest, expectError, expectJson, useApiHarness, waitForActionStatus } from './client.js';

// A cancellation went to Temporal first and its action.cancel_requested row was appended after, in a write of its
// own: a failed append left a cancellation with no record of who asked, the row could land after the
// action.completed it led to, and an approver's refused attempt left no operator.forbidden row. Now the use case
// commits the row first (the action's row held FOR SHARE, so completion waits), then sends the cancellation.

const { h, ctx, keys } = useApiHarness();

let n = 0;
const refund = () => ({
  tool: 'payments.refund',
  args: { paymentId: 'pay_5', amount: '125.00', currency: 'USD', reason: 'damaged item' },
  rationale: 'Ticket 5.',
  idempotencyKey: `cancel-${(n += 1)}`,
});
async function pending() {
  const submitted = await expectJson(postAction(apiRequest('/api/v1/actions', { key: keys.agent, body: refund() }), ctx), 202, schemas.SubmittedActionView);
  await waitForActionStatus(ctx, keys.agent, submitted.actionId, ['awaiting_approval']);
  return submitted.actionId;
}
const cancel = (actionId: string, key: string) => postActionCancel(apiRequest(`/api/v1/actions/${actionId}/cancel`, { key }), ctx, { id: actionId });
const outcome = (actionId: string) =>
  expectJson(getOutcome(apiRequest(`/api/v1/actions/${actionId}/outcome?waitMs=20000`, { key: keys.agent }), ctx, { id: actionId }), 200, schemas.ActionOutcome);
const rowsOf = (actionId: string, type: string) => h.db.prisma.auditEvent.findMany({ where: { actionId, type }, orderBy: { seq: 'asc' } });
/** Whether Temporal was ever asked to cancel the action's workflow. */
async function cancelSent(actionId: string): Promise<boolean> {
  const history = await actionHandle(h.client, actionId).fetchHistory();
  return history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes) ?? false;
}

describe('POST /api/v1/actions/:id/cancel through the cancel use case', () => {
  it('an admin’s cancel: the request is in the log before the action.completed it leads to', async () => {
    const actionId = await pending();
    expect(await expectJson(cancel(actionId, keys.bob), 202, schemas.CancelResult)).toEqual({ actionId, cancelRequested: true });
    expect(await outcome(actionId)).toMatchObject({ status: 'cancelled' });
    const [requested] = await rowsOf(actionId, 'action.cancel_requested');
    const [completed] = await rowsOf(actionId, 'action.completed');
    expect(requested).toMatchObject({ actor: 'user:bob', payload: { via: 'api' } });
    expect(requested!.seq < completed!.seq).toBe(true);
  });

  it('an approver’s key is refused (403) and leaves an operator.forbidden row; nothing is cancelled', async () => {
    const actionId = await pending();
    const before = await h.db.prisma.auditEvent.count({ where: { type: 'operator.forbidden', actor: 'user:alice' } });
    await expectError(cancel(actionId, keys.alice), 403, 'forbidden');
    const forbidden = await h.db.prisma.auditEvent.findMany({ where: { type: 'operator.forbidden', actor: 'user:alice' }, orderBy: { seq: 'asc' } });
    expect(forbidden).toHaveLength(before + 1);
    expect(forbidden.at(-1)!.payload).toMatchObject({ action: 'action.cancel', requiredRole: 'admin', role: 'approver' });
    expect(await rowsOf(actionId, 'action.cancel_requested')).toHaveLength(0);
    expect(await cancelSent(actionId)).toBe(false);
  });

  it('a request whose row could not be written sends no cancellation; asked again, it is written and sent', async () => {
    const actionId = await pending();
    await failFirstAuditAppend(h.db, 'action.cancel_requested', actionId);
    const lost = await cancel(actionId, keys.agent);
    expect(lost.status).toBe(500);
    expect(await cancelSent(actionId)).toBe(false);
    expect((await waitForActionStatus(ctx, keys.agent, actionId, ['awaiting_approval'])).status).toBe('awaiting_approval');

    await expectJson(cancel(actionId, keys.agent), 202, schemas.CancelResult);
    expect(await outcome(actionId)).toMatchObject({ status: 'cancelled' });
    expect((await rowsOf(actionId, 'action.cancel_requested')).map((e) => e.actor)).toEqual(['agent:billing-bot']);
  });

  it('a cancellation Temporal did not take, asked again, writes no second row', async () => {
    const actionId = await pending();
    // Temporal refusing the call after the row committed (unreachable, say).
    const down = { workflow: { getHandle: () => ({ cancel: () => Promise.reject(new Error('temporal unreachable (test)')) }) } } as unknown as Client;
    await expect(cancelAction({ db: h.db, temporal: down }, { agentId: 'billing-bot' }, { actionId })).rejects.toThrow(/temporal unreachable/);
    expect(await rowsOf(actionId, 'action.cancel_requested')).toHaveLength(1);
    expect(await cancelSent(actionId)).toBe(false);

    await expectJson(cancel(actionId, keys.agent), 202, schemas.CancelResult);
    expect(await outcome(actionId)).toMatchObject({ status: 'cancelled' });
    expect(await rowsOf(actionId, 'action.cancel_requested')).toHaveLength(1);
  });

  it('a finished action is a 409 with nothing written', async () => {
    const actionId = await pending();
    await expectJson(cancel(actionId, keys.bob), 202, schemas.CancelResult);
    expect(await outcome(actionId)).toMatchObject({ status: 'cancelled' });
    for (const key of [keys.agent, keys.bob]) expect((await expectError(cancel(actionId, key), 409, 'conflict')).message).toMatch(/has finished; its outcome stands/);
    expect(await rowsOf(actionId, 'action.cancel_requested')).toHaveLength(1);
  });
});
