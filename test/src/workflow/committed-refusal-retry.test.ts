import type { RunToolInput, ToolRun } from '@airlock/activities';
import { runIdempotencyKey, type ActionRequestInput, type GuardedActionInput } from '@airlock/core';
import { createAgent, createBudget, releaseBudget, reserveBudget, resume, suspend, verifyAuditChain } from '@airlock/db';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { admissionInput, refundRequest } from '../support/actions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedTeam } from '../support/harness.js';
import { seededActivities, type SeededActivities } from '../support/seeded-activities.js';

// A start refused by the re-check or the kill switch commits the refusal (`action.recheck_failed`) and then
// fails. A worker that dies between that commit and Temporal hearing of the failure has the step retried:
// these tests call it twice, changing the world in between so that a fresh re-check would now pass.
// The retry must refuse again, as the log already says, and never claim or run the tool.

let database: TestDatabase;
let activities: SeededActivities;
let admitAndRun: ReturnType<typeof seededActivities>['admitAndRun'];

beforeAll(async () => {
  database = await createTestDatabase();
  await seedTeam(database.db);
  await createAgent(database.db, { id: 'budget-bot', team: 'budget', allowedTools: ['payments.*'] });
  ({ activities, admitAndRun } = seededActivities(database.db));
});
afterEach(async () => {
  await resume(database.db, { scope: 'agent', target: 'billing-bot', by: 'bob' }).catch(() => undefined);
});
afterAll(async () => {
  await database?.drop();
});

/** As a Temporal attempt: an activity context of its own (runTool heartbeats through it). */
const inActivity = <T>(fn: () => Promise<T>) => new MockActivityEnvironment().run<[], T, () => Promise<T>>(fn);

/** The failure a call ended with (type, message, whether it is retried), or the answer it gave. */
async function ending(call: () => Promise<unknown>): Promise<{ type?: string | undefined; message: string; nonRetryable: boolean } | { answered: unknown }> {
  try {
    return { answered: await call() };
  } catch (error) {
    if (!(error instanceof ApplicationFailure)) throw error;
    return { type: error.type ?? undefined, message: error.message, nonRetryable: error.nonRetryable === true };
  }
}

/** An approved refund's admission (round 1 opened), and the run the workflow schedules once alice approves. */
async function approvedRefund(request: ActionRequestInput): Promise<{ admitted: GuardedActionInput; run: RunToolInput }> {
  const admitted = admissionInput('refusal-retry', request);
  const { opened } = await admitAndRun(admitted);
  expect(opened).toBeDefined();
  const { actionId, argsHash } = admitted;
  const decision = { approverId: 'alice', decision: 'approve' as const, channel: 'api' as const, round: 1, decidedAt: new Date().toISOString() };
  const approvalId = opened!.approvalId;
  return {
    admitted,
    run: {
      actionId,
      tool: admitted.request.tool,
      args: admitted.request.args,
      idempotencyKey: runIdempotencyKey(actionId),
      completion: { kind: 'by_workflow' },
      agentId: admitted.request.agentId,
      recheck: { input: admitted, budgetHolder: actionId },
      settledRound: {
        decisions: [{ actionId, approvalId, round: 1, argsHash, decision }],
        close: { actionId, approvalId, round: 1, closure: 'approved', reason: 'approved' },
      },
    },
  };
}

async function rowsFor(actionId: string) {
  const { db } = database;
  return {
    runs: await db.prisma.toolExecution.count({ where: { actionId } }),
    ledger: await db.prisma.ledgerEntry.count({ where: { idempotencyKey: { startsWith: actionId } } }),
    audit: (await db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } })).map((e) => e.type),
  };
}

const killSwitch = () => suspend(database.db, { scope: 'agent', target: 'billing-bot', reason: 'incident', by: 'bob' });
const liftKillSwitch = () => resume(database.db, { scope: 'agent', target: 'billing-bot', by: 'bob' });

describe('a retried start whose refusal committed', () => {
  it("refuses again when the run's re-check refused on the kill switch, lifted before the retry", async () => {
    const { admitted, run } = await approvedRefund(refundRequest());
    await killSwitch();
    const first = await ending(() => inActivity(() => activities.runTool(run)));
    expect(first).toMatchObject({ type: 'RecheckFailed', nonRetryable: true, message: expect.stringMatching(/suspended/) });
    const afterFirst = await rowsFor(admitted.actionId);

    await liftKillSwitch();
    const retry = await ending(() => inActivity(() => activities.runTool(run)));
    expect(retry).toEqual(first);
    expect(await rowsFor(admitted.actionId)).toEqual(afterFirst);
    expect(afterFirst.runs).toBe(0);
    expect(afterFirst.audit).not.toContain('tool.started');
    expect(afterFirst.audit.filter((t) => t === 'action.recheck_failed')).toHaveLength(1);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });

  it("refuses again when the run's re-check refused on a budget that has room by the retry", async () => {
    const { admitted, run } = await approvedRefund({ ...refundRequest({ amount: '125.00' }), agentId: 'budget-bot' });
    // A budget added while the action waited, mostly held by another action: the re-check's top-up does not fit.
    await createBudget(database.db, { scope: 'agent', target: 'budget-bot', period: 'day', currency: 'USD', limit: '200.00' });
    await reserveBudget(database.db, { actionId: 'competing-action', agentId: 'budget-bot', team: 'budget', amount: '100.00', currency: 'USD', at: new Date() });
    const first = await ending(() => inActivity(() => activities.runTool(run)));
    expect(first).toMatchObject({ type: 'RecheckFailed', nonRetryable: true, message: expect.stringMatching(/^budget: /) });
    const afterFirst = await rowsFor(admitted.actionId);

    await releaseBudget(database.db, { actionId: 'competing-action' });
    const retry = await ending(() => inActivity(() => activities.runTool(run)));
    expect(retry).toEqual(first);
    expect(await rowsFor(admitted.actionId)).toEqual(afterFirst);
    expect(afterFirst.runs).toBe(0);
    expect(afterFirst.audit).not.toContain('tool.started');
    // The retry reserved nothing on the freed budget.
    expect(await database.db.prisma.budgetReservation.count({ where: { actionId: admitted.actionId } })).toBe(0);
  });

  it("refuses again when a plan step's start met the kill switch, lifted before the retry", async () => {
    const { admitted } = await approvedRefund(refundRequest());
    // A run without its own re-check, naming its agent: a plan's step, claimed under the start gate.
    const step: RunToolInput = {
      actionId: admitted.actionId,
      tool: admitted.request.tool,
      args: admitted.request.args,
      idempotencyKey: `${admitted.actionId}:step:0`,
      completion: { kind: 'by_workflow' },
      agentId: admitted.request.agentId,
    };
    await killSwitch();
    const first = await ending(() => inActivity<ToolRun>(() => activities.runTool(step)));
    expect(first).toMatchObject({ type: 'KillSwitch', nonRetryable: true, message: expect.stringMatching(/kill switch/) });
    const afterFirst = await rowsFor(admitted.actionId);

    await liftKillSwitch();
    const retry = await ending(() => inActivity<ToolRun>(() => activities.runTool(step)));
    expect(retry).toEqual(first);
    expect(await rowsFor(admitted.actionId)).toEqual(afterFirst);
    expect(afterFirst.runs).toBe(0);
    expect(afterFirst.audit).not.toContain('tool.started');
  });

  it('answers a retried recheckBeforeRun (plans, gate-only actions) with the refusal it wrote', async () => {
    const { admitted } = await approvedRefund(refundRequest());
    const recheck = { input: admitted, args: admitted.request.args, budgetHolder: admitted.actionId };
    await killSwitch();
    const first = await activities.recheckBeforeRun(recheck);
    expect(first).toMatchObject({ ok: false, reason: expect.stringMatching(/suspended/) });

    await liftKillSwitch();
    expect(await activities.recheckBeforeRun(recheck)).toEqual(first);
    expect((await rowsFor(admitted.actionId)).audit.filter((t) => t.startsWith('action.recheck'))).toEqual(['action.recheck_failed']);
  });

  it("answers a retried gate-only authorization with the kill switch's refusal it committed", async () => {
    const admitted = admissionInput('refusal-retry', { ...refundRequest({ amount: '20.00' }), execution: 'agent' });
    const { admission } = await admitAndRun(admitted);
    expect(admission.classification.decision).toBe('allow');
    const authorization = {
      actionId: admitted.actionId,
      tool: admitted.request.tool,
      authorizationId: `${admitted.actionId}:authorization`,
      argsHash: admitted.argsHash,
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      agentId: admitted.request.agentId,
    };
    await killSwitch();
    const first = await activities.recordAuthorization(authorization);
    expect(first).toMatchObject({ refused: expect.stringMatching(/kill switch/) });

    await liftKillSwitch();
    expect(await activities.recordAuthorization(authorization)).toEqual(first);
    expect((await rowsFor(admitted.actionId)).audit).not.toContain('action.authorized');
  });
});
