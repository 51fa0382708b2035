import { readFileSync } from 'node:fs';
import { defaultActivityDeps, defineTool } from '@airlock/activities';
import { createAgent, createBudget, type Db } from '@airlock/db';
import { suspendAndCancel, userOperator } from '@airlock/ops';
import { actionHandle, awaitOutcome, submitAction } from '@airlock/core/gateway';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { compilePolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { refundRequest } from '../support/actions.js';
import { useSeededHarness } from '../support/harness.js';

// An action the policy allows outright runs its tool inside admission's activity (the fast path, admitAndRun). A
// cancellation (an operator's, or a kill switch's) that reaches the workflow while that tool runs must not end the
// action `cancelled` while the tool goes on: a refund already sent lands anyway. The workflow waits until the run has
// really stopped (the tool sees the cancellation through its heartbeats); a tool that finished anyway is the outcome.

/** `test.charge`: costs its amount, and waits until its run is cancelled, then stops (a tool that honours the signal). */
const charge = defineTool({
  name: 'test.charge',
  description: 'test tool: reserves its amount, runs until cancelled',
  args: z.object({ amount: z.string() }).strict(),
  cost: ({ amount }) => ({ amount, currency: 'USD' }),
  execute: async (_args, { signal, heartbeat }) => {
    while (!signal.aborted) {
      heartbeat();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('stopped: cancelled');
  },
});
// The default policy, and test.charge allowed outright (it runs inside admission's activity).
const policy = compilePolicy(
  readFileSync(DEFAULT_POLICY_FILE, 'utf8').replace(
    /^rules:\n/m,
    'rules:\n  - { id: test-charge, tools: [test.charge], tier: low, outcome: allow, reason: test charges run without approval }\n',
  ),
  'fast-path-cancel.yaml',
);

const h = useSeededHarness({ deps: (db) => defaultActivityDeps(db, { current: () => policy }, [charge]) });
const EventType = temporal.api.enums.v1.EventType;

/** Holds the ledger's table lock: a refund's write (its run claimed, its tool running) waits until it is released. */
async function holdLedger(db: Db) {
  const client = await db.pool.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE ledger_entries IN SHARE ROW EXCLUSIVE MODE');
  return {
    release: async () => {
      try {
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
  };
}

/** Polls until a backend waits on the ledger's lock (the refund's write); each step is a round trip, not a timer guess. */
async function untilLedgerWaiter(db: Db): Promise<void> {
  for (;;) {
    const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'ledger_entries'::regclass AND NOT granted");
    if (rows[0]!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Polls the history until the workflow has asked Temporal to cancel the running activity (its task that took the cancellation completed). */
async function untilCancelRequested(handle: WorkflowHandle): Promise<void> {
  for (;;) {
    const { events } = await handle.fetchHistory();
    if (events?.some((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const admin = userOperator({ id: 'bob', role: 'admin' }, 'api');
const cancellations = {
  'an operator cancel': (_agentId: string, actionId: string) => actionHandle(h.client, actionId).cancel(),
  'a kill switch': async (agentId: string) => {
    await suspendAndCancel({ db: h.db, temporal: h.client }, admin, { scope: 'agent', target: agentId, reason: 'incident 7' });
  },
};

describe('a cancellation reaching an auto-approved action while its tool runs', () => {
  it.each(Object.entries(cancellations))('%s: the refund that went through is the outcome (executed), never "cancelled"', { timeout: 120_000 }, async (name, cancel) => {
    const agentId = `fast-${name.replace(/\W+/g, '-')}`;
    await createAgent(h.db, { id: agentId, team: 'billing', ownerId: 'owner', allowedTools: ['payments.*'] });
    const ledger = await holdLedger(h.db);
    let actionId: string;
    try {
      // 25.00: refunds up to 50.00 run without approval, inside admission's activity.
      ({ actionId } = await submitAction(h.client, h.taskQueue, refundRequest({ agentId, amount: '25.00', idempotencyKey: `fast-cancel-${agentId}` })));
      await untilLedgerWaiter(h.db);
      await cancel(agentId, actionId);
      await untilCancelRequested(actionHandle(h.client, actionId));
    } finally {
      await ledger.release();
    }

    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome).toMatchObject({ status: 'executed', output: { entryId: expect.any(String), amount: '25.00' } });
    const row = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    expect(row).toMatchObject({ status: 'executed', outcome: { status: 'executed' } });
    expect(await h.db.prisma.toolExecution.findMany({ where: { actionId }, select: { status: true } })).toEqual([{ status: 'succeeded' }]);
    expect(await h.db.prisma.ledgerEntry.count({ where: { idempotencyKey: { startsWith: actionId }, reversedAt: null } })).toBe(1);
    const types = (await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } })).map((e) => e.type);
    expect(types).toContain('tool.succeeded');
    expect(types).not.toContain('tool.cancelled');
  });

  it('a costed tool that stops on the cancellation ends the action cancelled and releases what admission reserved', { timeout: 120_000 }, async () => {
    await createAgent(h.db, { id: 'charge-bot', team: 'billing', ownerId: 'owner', allowedTools: ['test.*'] });
    const budget = await createBudget(h.db, { scope: 'agent', target: 'charge-bot', period: 'day', currency: 'USD', limit: '1000.00' });
    const { actionId } = await submitAction(h.client, h.taskQueue, { agentId: 'charge-bot', tool: 'test.charge', args: { amount: '40.00' }, idempotencyKey: 'fast-cancel-charge' });
    await expect.poll(async () => (await h.db.prisma.toolExecution.findFirst({ where: { actionId } }))?.status, { timeout: 20_000 }).toBe('running');
    expect(await h.db.prisma.budgetReservation.findMany({ where: { actionId }, select: { status: true } })).toEqual([{ status: 'reserved' }]);
    await actionHandle(h.client, actionId).cancel();

    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'cancelled' });
    // Admission's answer never reached the workflow; completion released the reservation all the same (kept for good before).
    expect(await h.db.prisma.budgetReservation.findMany({ where: { actionId }, select: { status: true } })).toEqual([{ status: 'released' }]);
    const { rows } = await h.db.pool.query<{ reserved: string }>('SELECT coalesce(sum(reserved), 0)::text AS reserved FROM budget_usage WHERE budget_id = $1', [budget.id]);
    expect(Number(rows[0]!.reserved)).toBe(0);
  });

  it('a tool that stops on the cancellation ends the action cancelled, once it has stopped', { timeout: 120_000 }, async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'demo.sleep', args: { ms: 60_000 }, idempotencyKey: 'fast-cancel-sleep' });
    await expect.poll(async () => (await h.db.prisma.toolExecution.findFirst({ where: { actionId } }))?.status, { timeout: 20_000 }).toBe('running');
    await actionHandle(h.client, actionId).cancel();

    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'cancelled' });
    // The outcome came once the run had stopped: its end is recorded before it.
    expect(await h.db.prisma.toolExecution.findMany({ where: { actionId }, select: { status: true } })).toEqual([{ status: 'cancelled' }]);
    const types = (await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } })).map((e) => e.type);
    expect(types.indexOf('tool.cancelled')).toBeGreaterThan(-1);
    expect(types.indexOf('tool.cancelled')).toBeLessThan(types.indexOf('action.completed'));
  });
});
