import { defaultActivityDeps } from '@airlock/activities';
import { claimAgentRun, readAuthorization } from '@airlock/core/agent-gateway';
import { actionHandle, awaitOutcome, DecisionRejectedError, getActionStatus } from '@airlock/core/gateway';
import { suspend, verifyAuditChain, createUser } from '@airlock/db';
import { suspendAndCancel, userOperator } from '@airlock/ops';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitForStatus } from '../support/actions.js';
import { hold, releaseAllHolds, withHolds } from '../support/activity-holds.js';
import { authorizedRefund as authorizedRefundOf, settle } from '../support/authorized-refund.js';
import { namingClient, untilAdmitted } from '../support/admitted-updates.js';
import { defaultPolicy, startHarness, type Harness, type RunningWorker } from '../support/harness.js';

// A gate-only run's claim overlapping the end of its authorization. The claim is accepted, then recorded by a
// normal activity; here that recording is held (at its database connection) while the authorization expires or a
// kill switch revokes it. The runner must then be told not to run, the action must end saying the tool did not
// run (its budget released), and the claim's audit row must precede action.completed. And a claim that reaches
// the workflow after the expiry, in the same task as the expiry's timer, is refused by the validator, unwritten.

let h: Harness;
let worker: RunningWorker;
const admin = userOperator({ id: 'bob', role: 'admin' }, 'api');
// Long enough for the claim to be accepted before the expiry on a busy machine; each case waits it out once.
const WINDOW_MS = 5_000;

beforeAll(async () => {
  h = await startHarness({ deps: (db) => defaultActivityDeps(withHolds(db), defaultPolicy()) });
  // The operator the kill switch is engaged as: a use case reads the operator's own row again as it writes.
  await createUser(h.db, { id: 'bob', role: 'admin' });
  worker = h.worker;
});
// A failed case lets its held activity go, so the next cases (and the worker's shutdown) are not stuck behind it.
afterEach(() => {
  releaseAllHolds();
});
afterAll(async () => {
  await h?.close();
});

/**
 * Runs `meanwhile` with no workflow task taken: the worker drains (a held activity keeps running and reports its
 * end), then a new worker starts, which takes everything that reached the history meanwhile in one task.
 */
async function withoutWorkflowTasks(meanwhile: () => Promise<void>): Promise<void> {
  worker.worker.shutdown();
  try {
    await meanwhile();
  } finally {
    await worker.stop();
    worker = await h.startWorker();
  }
}

const authorizedRefund = (agentId: string, reportWithinMs = WINDOW_MS) => authorizedRefundOf(h, agentId, reportWithinMs);

const auditTypes = async (actionId: string) => (await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } })).map((e) => e.type);
const claimRows = (actionId: string) => h.db.prisma.auditEvent.count({ where: { actionId, type: 'action.authorization_claimed' } });
const usageOf = async (agentId: string) => {
  const usage = await h.db.prisma.budgetUsage.findFirstOrThrow({ where: { budget: { target: agentId } } });
  return { spent: usage.spent.toFixed(2), reserved: usage.reserved.toFixed(2) };
};

const timersFired = async (actionId: string) => (await actionHandle(h.client, actionId).fetchHistory()).events?.filter((e) => e.timerFiredEventAttributes).length ?? 0;

/**
 * The premise of a one-task overlap: in the history, `ending` (the expiry's timer, the kill switch's cancellation)
 * and then the claim's recording completed, with no workflow task completed between them.
 */
async function expectInOneTask(actionId: string, ending: 'timerFiredEventAttributes' | 'workflowExecutionCancelRequestedEventAttributes') {
  const events = (await actionHandle(h.client, actionId).fetchHistory()).events ?? [];
  const recordingScheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordRunClaim')!.eventId!.toString();
  const recorded = events.findIndex((e) => e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === recordingScheduled);
  const ended = events.findLastIndex((e, i) => i < recorded && e[ending]);
  expect(ended).toBeGreaterThan(-1);
  expect(events.slice(ended, recorded).filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(0);
}

const NOT_TO_RUN = 'the authorization is no longer usable (expired, revoked or cancelled): do not run the tool';

/** The refusal of a claim recorded while a kill switch covering the agent is on: nothing written. */
const refusedBySwitch = (agentId: string, reason: string) => ({ message: `suspended by the kill switch (agent ${agentId}) by bob: ${reason}: do not run the tool`, rows: 0 });

/**
 * What every overlap ends with: the runner refused, the tool said not to have run, the books and the chain straight.
 * A claim recorded once the authorization had ended keeps its row (before action.completed); one recorded with
 * the kill switch on has none.
 */
async function expectRefusedAndUnused(claim: PromiseSettledResult<unknown>, actionId: string, agentId: string, refusal = { message: NOT_TO_RUN, rows: 1 }) {
  expect(claim).toMatchObject({ status: 'rejected', reason: expect.any(DecisionRejectedError) });
  expect(((claim as PromiseRejectedResult).reason as Error).message).toBe(refusal.message);
  await awaitOutcome(h.client, actionId);
  // Never shown as claimed: no runner was told to run.
  const state = await readAuthorization(h.client, actionId);
  expect(state.state).toBe('completed');
  expect(state.state === 'completed' ? state.authorization?.claimedAt : 'unread').toBeUndefined();
  expect(await claimRows(actionId)).toBe(refusal.rows);
  const types = await auditTypes(actionId);
  expect(types.at(-1)).toBe('action.completed');
  if (refusal.rows > 0) expect(types.indexOf('action.authorization_claimed')).toBeLessThan(types.indexOf('action.completed'));
  expect(await usageOf(agentId)).toEqual({ spent: '0.00', reserved: '0.00' });
  expect(await verifyAuditChain(h.db)).toMatchObject({ ok: true });
}

describe('a run claim overlapping the end of its authorization', () => {
  it('recorded only after the authorization expired: the runner is told not to run, the action ends unused, the claim row first', async () => {
    const agentId = 'overlap-expiry';
    const { actionId, authorization } = await authorizedRefund(agentId);
    const recording = hold('recordRunClaim');
    const claim = settle(claimAgentRun(h.client, actionId, { authorizationId: authorization.authorizationId, runnerId: 'slow-runner' }));
    await recording.entered; // accepted (its recording scheduled) before the expiry
    // Expired: the unreported ending waits for the claim's recording (or, not waiting, has ended the action).
    await waitForStatus(h.client, actionId, (s) => s.phase === 'completing' || s.phase === 'completed');
    recording.release();

    await expectRefusedAndUnused(await claim, actionId, agentId);
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({
      status: 'expired',
      reason: `the authorization was not used (no report) within ${WINDOW_MS / 1000}s; the budget is released`,
    });
  });

  it('recorded only after a kill switch revoked the authorization: refused by the switch, nothing written, the action ends cancelled unused', async () => {
    const agentId = 'overlap-revoked';
    const { actionId, authorization } = await authorizedRefund(agentId);
    const recording = hold('recordRunClaim');
    const claim = settle(claimAgentRun(h.client, actionId, { authorizationId: authorization.authorizationId, runnerId: 'slow-runner' }));
    await recording.entered;
    await suspendAndCancel({ db: h.db, temporal: h.client }, admin, { scope: 'agent', target: agentId, reason: 'incident 41' });
    // Revoked, then unreported until the expiry: the ending waits for the claim's recording (or has ended the action).
    await waitForStatus(h.client, actionId, (s) => s.phase === 'completing' || s.phase === 'completed');
    recording.release();

    await expectRefusedAndUnused(await claim, actionId, agentId, refusedBySwitch(agentId, 'incident 41'));
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({
      status: 'cancelled',
      reason: expect.stringMatching(/incident 41.*; the authorization was revoked before it was used$/),
    });
    expect(await auditTypes(actionId)).toContain('action.authorization_revoked');
  });

  it('recorded in the task that handles the expiry (its timer and the recording’s end together): told not to run, ended unused', async () => {
    const agentId = 'overlap-expiring';
    const { actionId, authorization } = await authorizedRefund(agentId);
    const recording = hold('recordRunClaim');
    const claim = settle(claimAgentRun(h.client, actionId, { authorizationId: authorization.authorizationId, runnerId: 'slow-runner' }));
    await recording.entered;
    // Both reach the workflow in one task, the expiry's timer first in the history.
    const firedBefore = await timersFired(actionId);
    await withoutWorkflowTasks(async () => {
      try {
        await expect.poll(() => timersFired(actionId), { timeout: 20_000, interval: 100 }).toBeGreaterThan(firedBefore);
      } finally {
        recording.release();
      }
    });

    await expectRefusedAndUnused(await claim, actionId, agentId);
    await expectInOneTask(actionId, 'timerFiredEventAttributes');
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({
      status: 'expired',
      reason: `the authorization was not used (no report) within ${WINDOW_MS / 1000}s; the budget is released`,
    });
  });

  it('recorded in the task that brings the kill switch’s cancellation (before the revocation ran): told not to run, ended cancelled unused', async () => {
    const agentId = 'overlap-revoking';
    const { actionId, authorization } = await authorizedRefund(agentId);
    const recording = hold('recordRunClaim');
    const claim = settle(claimAgentRun(h.client, actionId, { authorizationId: authorization.authorizationId, runnerId: 'slow-runner' }));
    await recording.entered;
    // Both reach the workflow in one task, the kill switch's cancellation first in the history.
    await withoutWorkflowTasks(async () => {
      try {
        await suspendAndCancel({ db: h.db, temporal: h.client }, admin, { scope: 'agent', target: agentId, reason: 'incident 42' });
      } finally {
        recording.release();
      }
    });

    await expectRefusedAndUnused(await claim, actionId, agentId, refusedBySwitch(agentId, 'incident 42'));
    await expectInOneTask(actionId, 'workflowExecutionCancelRequestedEventAttributes');
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({
      status: 'cancelled',
      reason: expect.stringMatching(/incident 42.*; the authorization was revoked before it was used$/),
    });
  });
});

describe('a run claim after a kill switch is on, before its cancellation reaches the workflow', () => {
  it('is refused by the switch, every runner alike, and nothing is written; the authorization ends unused', async () => {
    const agentId = 'overlap-switched';
    const { actionId, authorization } = await authorizedRefund(agentId);
    // The switch committed, its cancellation not sent yet (suspendAndCancel commits first, then cancels action by action).
    await suspend(h.db, { scope: 'agent', target: agentId, reason: 'incident 43', by: 'bob' });
    const refusal = refusedBySwitch(agentId, 'incident 43');
    const first = await settle(claimAgentRun(h.client, actionId, { authorizationId: authorization.authorizationId, runnerId: 'runner-a' }));
    // Another runner is told the same, not that the run was claimed elsewhere and may have run.
    await expect(claimAgentRun(h.client, actionId, { authorizationId: authorization.authorizationId, runnerId: 'runner-b' })).rejects.toThrow(refusal.message);
    await expectRefusedAndUnused(first, actionId, agentId, refusal);
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({
      status: 'expired',
      reason: `the authorization was not used (no report) within ${WINDOW_MS / 1000}s; the budget is released`,
    });
  });
});

describe('a claim arriving after the expiry, before the expiry’s timer is handled', () => {
  it('is refused by the validator as expired, and nothing is written', async () => {
    const agentId = 'late-claim';
    const { actionId, authorization } = await authorizedRefund(agentId, 3_000);
    const watched = namingClient(h.client);
    let claim: Promise<PromiseSettledResult<unknown>> | undefined;
    // The claim and the expiry's timer reach the workflow in one task, the claim first (updates go before timers).
    const firedBefore = await timersFired(actionId);
    await withoutWorkflowTasks(async () => {
      await expect.poll(() => timersFired(actionId), { timeout: 20_000, interval: 100 }).toBeGreaterThan(firedBefore);
      claim = settle(claimAgentRun(watched.client, actionId, { authorizationId: authorization.authorizationId, runnerId: 'late-runner' }));
      await expect.poll(() => watched.sent.length, { timeout: 10_000, interval: 10 }).toBe(1);
      await untilAdmitted(h.client, watched.sent[0]!);
    });

    const answer = await claim!;
    expect(answer).toMatchObject({ status: 'rejected', reason: expect.any(DecisionRejectedError) });
    expect(((answer as PromiseRejectedResult).reason as Error).message).toBe('the authorization is no longer usable (expired)');
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'expired', reason: expect.stringMatching(/not used \(no report\)/) });
    expect(await claimRows(actionId)).toBe(0);
    expect(await usageOf(agentId)).toEqual({ spent: '0.00', reserved: '0.00' });
    expect(await verifyAuditChain(h.db)).toMatchObject({ ok: true });
    expect((await getActionStatus(h.client, actionId)).authorization?.claimedAt).toBeUndefined();
  });
});
