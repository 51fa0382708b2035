import { actionHandle, awaitOutcome, submitAction } from '@airlock/core/gateway';
import { describe, expect, it } from 'vitest';
import { holdChain, untilChainWaiters } from '../support/audit-chain-lock.js';
import { useSeededHarness } from '../support/harness.js';
import { retriedActivities } from '../scale/temporal-views.js';

// A tool run is retried elsewhere after TOOL_HEARTBEAT_TIMEOUT (10 s) without a heartbeat, so a worker that died
// mid-run costs 10 s, not 30 (workflows/src/activities.ts). The other side of that bargain: a live attempt longer than
// the timeout must never be taken for a dead one, whichever step holds it up (the tool, or admission waiting on the
// audit chain's lock). Its heartbeats (every second for the whole attempt, activities/src/heartbeats.ts; flushed to
// Temporal at least every 3 s: maxHeartbeatThrottleInterval) keep it alive; without them it would time out at 10 s and
// be tried again.

const RUN_MS = 14_000;
/** Longer than the heartbeat timeout, with room: how long admission is kept waiting on the audit chain's lock. */
const HELD_MS = 14_000;

/** Every activity attempt of the action's workflow was its first. */
async function expectFirstAttemptsOnly(actionId: string) {
  const attempts = await retriedActivities(actionHandle(h.client, actionId));
  expect(attempts.length).toBeGreaterThan(0);
  expect(attempts.map((a) => [a.attempt, a.previousFailure])).toEqual(attempts.map(() => [1, undefined]));
}

const h = useSeededHarness();

describe('a tool that runs longer than its heartbeat timeout', () => {
  it('finishes on its first attempt: its heartbeats reach Temporal in time', { timeout: 120_000 }, async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'demo.sleep', args: { ms: RUN_MS }, idempotencyKey: 'long-sleep' });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed', output: { sleptMs: RUN_MS } });

    // The activity that ran the tool (inside admission, allowed outright) among them.
    await expectFirstAttemptsOnly(actionId);
    expect(await h.db.prisma.toolExecution.count({ where: { actionId } })).toBe(1);
  });

  it('an admission kept waiting on the audit chain longer than that is not tried again either', { timeout: 120_000 }, async () => {
    const chain = await holdChain(h.db);
    let actionId: string;
    try {
      ({ actionId } = await submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'demo.sleep', args: { ms: 1 }, idempotencyKey: 'held-admission' }));
      await untilChainWaiters(h.db, 1);
      await new Promise((resolve) => setTimeout(resolve, HELD_MS));
    } finally {
      await chain.release();
    }
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed', output: { sleptMs: 1 } });
    await expectFirstAttemptsOnly(actionId);
  });
});
