import { PLAN_TOOL, type ActionRequestInput, type PlanStep } from '@airlock/core';
import { actionHandle, awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createAgent, inTransaction, suspend, type Db, createUser } from '@airlock/db';
import { suspendAndCancel, userOperator } from '@airlock/ops';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { switchMidCommit, waitingAdvisoryLocks } from '../support/start-gate.js';

// Issue 11, item 3 for plans: every step of a plan starts through the kill switch's
// start gate, like a single tool run. A step started after the switch is refused
// (audited), the plan stops and rolls back what ran; a step running when the switch
// commits is listed in its reply, and if it finishes anyway it is rolled back with
// the rest, never forgotten. Ordering is observed in pg_locks and database rows.

let h: Harness;
const admin = userOperator({ id: 'bob', role: 'admin' }, 'api');

beforeAll(async () => {
  h = await startHarness();
  // The operator the kill switch is engaged as: a use case reads the operator's own row again as it writes.
  await createUser(h.db, { id: 'bob', role: 'admin' });
});
afterAll(async () => {
  await h?.close();
});

const refund = (amount: string, paymentId: string): PlanStep => ({ tool: 'payments.refund', args: { paymentId, amount, currency: 'USD', reason: 'plan' } });
const plan = (agentId: string, steps: PlanStep[]): ActionRequestInput => ({ agentId, tool: PLAN_TOOL, args: { steps }, rationale: 'batch', idempotencyKey: `${agentId}-plan` });
const auditTypes = async (actionId: string) => (await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } })).map((e) => e.type);
const ledgerOf = (actionId: string) => h.db.prisma.ledgerEntry.findMany({ where: { idempotencyKey: { startsWith: `${actionId}:step:` } }, orderBy: { idempotencyKey: 'asc' } });

/** Holds the ledger table (a refund's run blocks on it after its start committed) until `release` is called. */
function holdLedger(db: Db): { held: Promise<void>; release: () => void; done: Promise<void> } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held!: () => void;
  const heldPromise = new Promise<void>((resolve) => (held = resolve));
  const done = inTransaction(db, async (client: pg.PoolClient) => {
    await client.query('LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE');
    held();
    await released;
  });
  return { held: heldPromise, release, done };
}

async function waitForAudit(actionId: string, type: string): Promise<void> {
  await expect.poll(async () => (await auditTypes(actionId)).includes(type), { timeout: 60_000, interval: 50 }).toBe(true);
}

describe('plan steps and the kill switch start gate', () => {
  it('a step whose start meets a switch being committed waits for it, is refused, and nothing runs', async () => {
    await createAgent(h.db, { id: 'plan-gate-1', team: 'plan-gate-1', allowedTools: ['payments.*', 'demo.*'] });
    const held = await switchMidCommit(h.db, 'plan-gate-1', 'incident 11');
    const { actionId } = await submitAction(h.client, h.taskQueue, plan('plan-gate-1', [{ tool: 'demo.echo', args: { message: 'one' } }, refund('10.00', 'pg1')]));
    try {
      // Step 1's start queues behind the switch (seen in pg_locks, not by timing); nothing ran meanwhile.
      await expect.poll(() => waitingAdvisoryLocks(h.db), { timeout: 60_000, interval: 50 }).toBeGreaterThan(0);
      expect(await h.db.prisma.toolExecution.count({ where: { actionId } })).toBe(0);
    } finally {
      // Committed also when an expectation above fails: a held gate would stall every later switch.
      await held.commit();
    }

    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome).toMatchObject({
      status: 'cancelled',
      reason: expect.stringMatching(/^step 1 \(demo\.echo\) refused at its start: cancelled by the kill switch \(agent plan-gate-1\) by bob: incident 11$/),
    });
    expect(await h.db.prisma.toolExecution.count({ where: { actionId } })).toBe(0);
    const audit = await auditTypes(actionId);
    expect(audit).toContain('action.recheck_failed');
    expect(audit).not.toContain('tool.started');
    expect(audit.filter((t) => t === 'action.completed')).toHaveLength(1);
    expect(await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId }, select: { status: true } })).toEqual({ status: 'cancelled' });
  });

  it('a later step started after the switch is refused, and the steps that ran are rolled back', async () => {
    await createAgent(h.db, { id: 'plan-gate-2', team: 'plan-gate-2', allowedTools: ['payments.*', 'demo.*'] });
    const ledger = holdLedger(h.db);
    await ledger.held;
    let actionId: string;
    try {
      ({ actionId } = await submitAction(h.client, h.taskQueue, plan('plan-gate-2', [refund('10.00', 'pg2a'), refund('20.00', 'pg2b')])));
      // Step 1 has started (its claim committed) and is held inside its run; the switch commits now
      // (without cancelling the workflow, so only the gate can stop step 2).
      await waitForAudit(actionId, 'tool.started');
      await suspend(h.db, { scope: 'agent', target: 'plan-gate-2', reason: 'incident 12', by: 'bob' });
    } finally {
      ledger.release();
    }
    await ledger.done;

    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome).toMatchObject({
      status: 'cancelled',
      reason: expect.stringMatching(
        /^step 2 \(payments\.refund\) refused at its start: cancelled by the kill switch \(agent plan-gate-2\).*incident 12; rolled back: step 1 \(payments\.refund\) compensated$/,
      ),
    });
    const executions = await h.db.prisma.toolExecution.findMany({ where: { actionId }, select: { idempotencyKey: true, status: true } });
    expect(executions).toEqual([{ idempotencyKey: `${actionId}:step:0`, status: 'succeeded' }]);
    const entries = await ledgerOf(actionId);
    expect(entries.map((e) => [e.amount.toFixed(2), e.reversedAt !== null])).toEqual([['10.00', true]]);
    const audit = await auditTypes(actionId);
    expect(audit.filter((t) => t === 'tool.started')).toHaveLength(1);
    expect(audit.indexOf('action.recheck_failed')).toBeGreaterThan(audit.indexOf('tool.succeeded'));
    expect(audit.indexOf('compensation.succeeded')).toBeGreaterThan(audit.indexOf('action.recheck_failed'));
    expect(audit.at(-1)).toBe('action.completed');
  });

  it('a step running when the switch commits is listed in its reply, and rolled back when it finishes anyway', async () => {
    await createAgent(h.db, { id: 'plan-gate-3', team: 'plan-gate-3', allowedTools: ['payments.*', 'demo.*'] });
    const ledger = holdLedger(h.db);
    await ledger.held;
    let actionId: string;
    try {
      ({ actionId } = await submitAction(h.client, h.taskQueue, plan('plan-gate-3', [refund('10.00', 'pg3a'), { tool: 'demo.echo', args: { message: 'two' } }])));
      await waitForAudit(actionId, 'tool.started');
      const switched = await suspendAndCancel({ db: h.db, temporal: h.client }, admin, { scope: 'agent', target: 'plan-gate-3', reason: 'incident 13' });
      expect(switched.cancelledActions).toEqual([actionId]);
      expect(switched.startedBeforeSwitch).toEqual([actionId]);
      // The workflow has asked the step to cancel (its history says so) before the refund can finish.
      await expect
        .poll(async () => ((await actionHandle(h.client, actionId).fetchHistory()).events ?? []).some((e) => e.activityTaskCancelRequestedEventAttributes), {
          timeout: 60_000,
          interval: 100,
        })
        .toBe(true);
    } finally {
      // The refund ignores the cancellation and moves the money once the ledger is free.
      ledger.release();
    }
    await ledger.done;

    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome).toMatchObject({ status: 'cancelled', reason: expect.stringMatching(/kill switch \(agent plan-gate-3\).*incident 13/) });
    // Money that moved under a plan that ended cancelled is rolled back, not forgotten; step 2 never ran.
    const entries = await ledgerOf(actionId);
    expect(entries.map((e) => [e.amount.toFixed(2), e.reversedAt !== null])).toEqual([['10.00', true]]);
    const executions = await h.db.prisma.toolExecution.findMany({ where: { actionId }, select: { idempotencyKey: true } });
    expect(executions.map((e) => e.idempotencyKey)).toEqual([`${actionId}:step:0`]);
    const audit = await auditTypes(actionId);
    expect(audit).toContain('compensation.succeeded');
    expect(audit.filter((t) => t === 'action.completed')).toHaveLength(1);
  });
});
