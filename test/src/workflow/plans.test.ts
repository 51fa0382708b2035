import { PLAN_TOOL, resolveCompensationUpdate, type ActionRequestInput, type PlanStep } from '@airlock/core';
import { actionHandle, awaitOutcome, decideAction, submitAction } from '@airlock/core/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForStatus } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import { startStubbornHarness, stubbornTool, stuckPlan } from '../support/stubborn-tool.js';

// A reversible tool whose compensation fails until a person fixes the world (flips the switch).
const stubborn = stubbornTool();

let h: Harness;
beforeAll(async () => {
  h = await startStubbornHarness(stubborn);
});
afterAll(async () => {
  await h?.close();
});

const refund = (amount: string, paymentId: string): PlanStep => ({ tool: 'payments.refund', args: { paymentId, amount, currency: 'USD', reason: 'plan' } });
const plan = (steps: PlanStep[], key: string): ActionRequestInput => ({ agentId: 'billing-bot', tool: PLAN_TOOL, args: { steps }, rationale: 'batch', idempotencyKey: key });
const auditOf = async (actionId: string) => h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } });

describe('multi-step plans', () => {
  it('run every step and return each output', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, plan([refund('10.00', 'p1'), { tool: 'demo.echo', args: { message: 'done' } }], 'plan-ok'));
    expect(await awaitOutcome(h.client, actionId)).toEqual({
      status: 'executed',
      actionId,
      output: {
        steps: [
          { tool: 'payments.refund', output: expect.objectContaining({ amount: '10.00' }) },
          { tool: 'demo.echo', output: { message: 'done' } },
        ],
      },
    });
  });

  it('show approvers every step and its rollback; one approval covers the plan', async () => {
    const { actionId, argsHash } = await submitAction(
      h.client,
      h.taskQueue,
      plan([refund('10.00', 'p2'), refund('125.00', 'p3'), { tool: 'demo.fail', args: { message: 'x' } }], 'plan-approve'),
    );
    const status = await waitForStatus(h.client, actionId, (s) => s.phase === 'awaiting_approval');
    expect(status.classification).toMatchObject({ decision: 'require_approval', tier: 'high' });
    expect(status.plan?.steps).toEqual([
      { tool: 'payments.refund', decision: 'allow', tier: 'low', reversible: true, status: 'pending' },
      { tool: 'payments.refund', decision: 'require_approval', tier: 'high', reversible: true, status: 'pending' },
      { tool: 'demo.fail', decision: 'allow', tier: 'low', reversible: false, status: 'pending' },
    ]);
    expect(status.classification?.reasons.join(' ')).toMatch(/no rollback for step 3 \(demo\.fail\)/);
    await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
    const outcome = await awaitOutcome(h.client, actionId);
    // Step 3 fails, so steps 2 and 1 are compensated, in that order.
    expect(outcome).toMatchObject({
      status: 'failed',
      error: 'step 3 (demo.fail) failed: x; rolled back: step 2 (payments.refund) compensated, step 1 (payments.refund) compensated',
    });
    const ledger = await h.db.prisma.ledgerEntry.findMany({ where: { idempotencyKey: { startsWith: `${actionId}:step:` } }, orderBy: { idempotencyKey: 'asc' } });
    expect(ledger).toHaveLength(2);
    expect(ledger.every((e) => e.reversedAt !== null)).toBe(true);
    const compensations = (await auditOf(actionId)).filter((e) => e.type.startsWith('compensation.')).map((e) => [e.type, (e.payload as { step: number }).step]);
    expect(compensations).toEqual([
      ['compensation.succeeded', 1],
      ['compensation.succeeded', 0],
    ]);
  });

  it('deny the whole plan when one step is denied', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, plan([refund('10.00', 'p4'), { tool: 'db.drop_all', args: {} }], 'plan-deny'));
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'denied', reason: expect.stringMatching(/step 2 \(db\.drop_all\): unknown tool/) });
    expect(await h.db.prisma.ledgerEntry.count({ where: { idempotencyKey: { startsWith: `${actionId}:` } } })).toBe(0);
  });

  it('escalate a failing compensation to a person instead of dropping it', async () => {
    const stuck = await stuckPlan(h, stubborn, 'plan-stubborn');
    const { actionId } = stuck;
    expect(stuck.plan?.steps.map((s) => s.status)).toEqual(['compensation_failed', 'failed']);
    const failures = (await auditOf(actionId)).filter((e) => e.type === 'compensation.failed');
    expect(failures).toHaveLength(3);

    const handle = actionHandle(h.client, actionId);
    const resolve = (approverId: string, resolution: 'retry' | 'resolved_manually') =>
      handle.executeUpdate(resolveCompensationUpdate, { args: [{ approverId, step: 0, resolution }] });
    await expect(resolve('victor', 'retry')).rejects.toThrow(/update failed/i);
    await expect(handle.executeUpdate(resolveCompensationUpdate, { args: [{ approverId: 'alice', step: 1, resolution: 'retry' }] })).rejects.toThrow();

    stubborn.state.undoWorks = true;
    await resolve('alice', 'retry');
    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome).toMatchObject({ status: 'failed', error: 'step 2 (demo.fail) failed: boom; rolled back: step 1 (demo.stubborn) compensated' });
    expect(stubborn.state.undone).toEqual(['plan-stubborn']);
    const types = (await auditOf(actionId)).map((e) => e.type);
    expect(types.filter((t) => t.startsWith('compensation.'))).toEqual([
      'compensation.failed',
      'compensation.failed',
      'compensation.failed',
      'compensation.resolution',
      'compensation.succeeded',
    ]);
  });
});
