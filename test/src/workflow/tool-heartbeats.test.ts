import { actionHandle, awaitOutcome, submitAction } from '@airlock/core/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { retriedActivities } from '../scale/temporal-views.js';

// A tool run is retried elsewhere after TOOL_HEARTBEAT_TIMEOUT (10 s) without a heartbeat, so a worker that died
// mid-run costs 10 s, not 30 (workflows/src/activities.ts). The other side of that bargain: a live run longer than the
// timeout must never be taken for a dead one. Its heartbeats (every second, flushed to Temporal at least every 3 s:
// maxHeartbeatThrottleInterval) keep it alive; without them it would time out at 10 s and run again.

const RUN_MS = 14_000;

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await seedTeam(h.db);
});

afterAll(async () => {
  await h?.close();
});

describe('a tool that runs longer than its heartbeat timeout', () => {
  it('finishes on its first attempt: its heartbeats reach Temporal in time', { timeout: 120_000 }, async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'demo.sleep', args: { ms: RUN_MS }, idempotencyKey: 'long-sleep' });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed', output: { sleptMs: RUN_MS } });

    const attempts = await retriedActivities(actionHandle(h.client, actionId));
    // The activity that ran the tool (inside admission, allowed outright) among them, each on its first attempt.
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.map((a) => [a.attempt, a.previousFailure])).toEqual(attempts.map(() => [1, undefined]));
    expect(await h.db.prisma.toolExecution.count({ where: { actionId } })).toBe(1);
  });
});
