import { actionHandle, submitAction } from '@airlock/core/gateway';
import { bundleWorkflows } from '@airlock/worker';
import { readWorkerEnv } from '@airlock/worker/env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, waitForStatus } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';

// The SDK's stack trace of every workflow promise is off unless the worker asks for it
// (workflows/src/stack-traces-off.ts, AIRLOCK_WORKFLOW_STACK_TRACES): the `__stack_trace`
// query answers without frames by default and names where the workflow waits when it is on.

const STACK_TRACE_QUERY = '__stack_trace';

let shipped: Harness;
let traced: Harness;

beforeAll(async () => {
  [shipped, traced] = await Promise.all([startHarness(), bundleWorkflows({ stackTraces: true }).then((workflowBundle) => startHarness({ worker: { workflowBundle } }))]);
  await Promise.all([seedTeam(shipped.db), seedTeam(traced.db)]);
}, 180_000);
afterAll(async () => {
  await Promise.all([shipped?.close(), traced?.close()]);
});

/** A refund that waits for a person, and what the stack trace query says about it. */
async function stackOfPendingRefund(h: Harness): Promise<string> {
  const { actionId } = await submitAction(h.client, h.taskQueue, refundRequest());
  await waitForStatus(h.client, actionId, (s) => s.phase === 'awaiting_approval');
  const stack = await actionHandle(h.client, actionId).query<string>(STACK_TRACE_QUERY);
  await actionHandle(h.client, actionId).cancel();
  return stack;
}

describe('workflow stack traces', () => {
  it('are off in the shipped bundle: the query answers, with no frames', async () => {
    const stack = await stackOfPendingRefund(shipped);
    expect(stack).not.toMatch(/\bat /);
    expect(stack).not.toContain('waitForRound');
  });

  it('name where a pending action waits when the worker asks for them', async () => {
    const stack = await stackOfPendingRefund(traced);
    expect(stack).toContain('waitForRound');
    expect(stack).toContain('approval.ts');
  });

  it('follow AIRLOCK_WORKFLOW_STACK_TRACES: off unless true, and any other word stops the worker naming it', () => {
    const base = { TEMPORAL_ADDRESS: '127.0.0.1:7233', DATABASE_URL: 'postgresql://127.0.0.1:5432/airlock' };
    expect(readWorkerEnv(base).AIRLOCK_WORKFLOW_STACK_TRACES).toBe(false);
    expect(readWorkerEnv({ ...base, AIRLOCK_WORKFLOW_STACK_TRACES: 'true' }).AIRLOCK_WORKFLOW_STACK_TRACES).toBe(true);
    expect(() => readWorkerEnv({ ...base, AIRLOCK_WORKFLOW_STACK_TRACES: 'yes' })).toThrow(/AIRLOCK_WORKFLOW_STACK_TRACES/);
  });
});
