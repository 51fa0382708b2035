import { createToolRegistry, defaultActivityDeps, defineTool, demoTools, refundTool } from '@airlock/activities';
import { PLAN_TOOL, type ActionRequestInput, type PlanStep } from '@airlock/core';
import { actionHandle, awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createAgent } from '@airlock/db';
import { suspendAndCancel, userOperator } from '@airlock/ops';
import { describe, expect, it } from 'vitest';
import { waitForStatus } from '../support/actions.js';
import { defaultPolicy, useSeededHarness } from '../support/harness.js';

/**
 * A plan whose last step fails rolls back the steps before it. A kill switch or an operator's cancel arriving while
 * that rollback runs must not cut it short: every step that ran is undone, and the outcome is the step's failure with
 * its rollback. Here the second refund's undo is held (it waits for the test) until the cancellation has reached the
 * workflow: the order comes from the hold and the workflow's history, not from timing.
 */
const held = { payments: new Set<string>(), started: new Set<string>(), release: () => {} };
let released = Promise.resolve();

/** The demo refund, whose undo waits for `held.release()` when its payment is in `held.payments`. */
const heldRefund = defineTool({
  ...refundTool,
  compensate: async (args, output, ctx) => {
    if (held.payments.has(args.paymentId)) {
      held.started.add(args.paymentId);
      await released;
    }
    await refundTool.compensate?.(args, output, ctx);
  },
});

const h = useSeededHarness({
  deps: (db) => ({ ...defaultActivityDeps(db, defaultPolicy()), tools: createToolRegistry(demoTools.map((t) => (t.name === refundTool.name ? heldRefund : t))) }),
});
const admin = userOperator({ id: 'bob', role: 'admin' }, 'api');

const refund = (paymentId: string): PlanStep => ({ tool: 'payments.refund', args: { paymentId, amount: '10.00', currency: 'USD', reason: 'plan' } });
const plan = (agentId: string): ActionRequestInput => ({
  agentId,
  tool: PLAN_TOOL,
  args: { steps: [refund(`${agentId}-1`), refund(`${agentId}-2`), { tool: 'demo.fail', args: { message: 'boom' } }] },
  rationale: 'batch',
  idempotencyKey: `${agentId}-plan`,
});

const until = async (condition: () => boolean | Promise<boolean>, what: string) => {
  for (const stopAt = Date.now() + 30_000; !(await condition()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > stopAt) throw new Error(`timed out waiting for ${what}`);
  }
};

/** The workflow has handled its cancellation: a workflow task completed after the cancel request. */
async function cancellationHandled(actionId: string): Promise<boolean> {
  const events = (await actionHandle(h.client, actionId).fetchHistory()).events ?? [];
  const requested = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
  return requested >= 0 && events.slice(requested).some((e) => e.workflowTaskCompletedEventAttributes);
}

const CANCELS = [
  {
    how: 'the kill switch',
    agentId: 'rollback-switch',
    cancel: async (actionId: string, agentId: string) => {
      const switched = await suspendAndCancel({ db: h.db, temporal: h.client }, admin, { scope: 'agent', target: agentId, reason: 'incident 61' });
      expect(switched.cancelledActions).toContain(actionId);
    },
  },
  { how: "an operator's cancel", agentId: 'rollback-cancel', cancel: (actionId: string) => actionHandle(h.client, actionId).cancel() },
];

describe("a plan's rollback after a failed step, cancelled while it runs", () => {
  it.each(CANCELS)('by $how: both refunds are undone and the outcome is the failure with its rollback', async ({ agentId, cancel }) => {
    await createAgent(h.db, { id: agentId, team: agentId, allowedTools: ['payments.*', 'demo.*'] });
    held.payments.add(`${agentId}-2`);
    released = new Promise<void>((resolve) => (held.release = resolve));
    const { actionId } = await submitAction(h.client, h.taskQueue, plan(agentId));
    try {
      // Step 3 failed and step 2's undo is running (and waits): the rollback is under way.
      await until(() => held.started.has(`${agentId}-2`), "step 2's undo to start");
      await waitForStatus(h.client, actionId, (s) => s.phase === 'compensating' && s.plan?.steps[1]?.status === 'compensating');
      await cancel(actionId, agentId);
      await until(() => cancellationHandled(actionId), 'the workflow to handle its cancellation');
    } finally {
      held.release();
    }
    const outcome = await awaitOutcome(h.client, actionId);
    // Every step that ran is undone, in reverse order.
    const ledger = await h.db.prisma.ledgerEntry.findMany({ where: { idempotencyKey: { startsWith: `${actionId}:step:` } }, orderBy: { idempotencyKey: 'asc' } });
    expect(ledger.map((e) => [e.paymentId, e.reversedAt !== null])).toEqual([
      [`${agentId}-1`, true],
      [`${agentId}-2`, true],
    ]);
    const compensations = await h.db.prisma.auditEvent.findMany({ where: { actionId, type: { startsWith: 'compensation.' } }, orderBy: { seq: 'asc' } });
    expect(compensations.map((e) => [e.type, (e.payload as { step: number }).step])).toEqual([
      ['compensation.succeeded', 1],
      ['compensation.succeeded', 0],
    ]);
    // The failure stopped the plan; the cancellation found only the rollback, which it no longer stops.
    expect(outcome).toEqual({
      status: 'failed',
      actionId,
      error: 'step 3 (demo.fail) failed: boom; rolled back: step 2 (payments.refund) compensated, step 1 (payments.refund) compensated',
    });
  });
});
