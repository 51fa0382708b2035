import { createActivities, defaultActivityDeps, type AdmitAndRunAnswer } from '@airlock/activities';
import type { ActionRequestInput } from '@airlock/core';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { verifyAuditChain } from '@airlock/db';
import { ActivityCancellationDetails, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { admissionInput } from '../support/actions.js';
import { failFirstAuditAppend } from '../support/audit-faults.js';
import { defaultPolicy, useSeededHarness } from '../support/harness.js';

// A run that ends failed or cancelled writes its execution row and its audit row (tool.failed, tool.cancelled).
// Written as two transactions, a worker dying between them left the row ended with no audit row, and the retry
// answered from the row: the log went tool.started → action.completed with no tool.failed. Here the audit row's
// insert fails once (a trigger in the test database, as a crash would leave it): the row must not be left ended
// without it, and the retry must end the run with exactly one.

const h = useSeededHarness();

let serial = 0;

async function rowsFor(actionId: string) {
  return {
    runs: (await h.db.prisma.toolExecution.findMany({ where: { actionId } })).map((r) => r.status),
    audit: (await h.db.prisma.auditEvent.findMany({ where: { actionId, type: { startsWith: 'tool.' } }, orderBy: { seq: 'asc' } })).map((e) => e.type),
  };
}

/** An action the default policy allows outright: admitAndRun claims and runs it. */
function allowed(tool: string, args: Record<string, unknown>): ActionRequestInput {
  return { agentId: 'billing-bot', tool, args, rationale: 'test', idempotencyKey: `tool-end-${++serial}` };
}

describe('a failed run and its tool.failed row', () => {
  it('through Temporal: the retry writes the row the failed attempt lost, once, and the action ends failed', async () => {
    const request = allowed('demo.fail', { message: 'boom' });
    const { actionId } = admissionInput(h.taskQueue, request);
    const tried = await failFirstAuditAppend(h.db, 'tool.failed', actionId);

    await submitAction(h.client, h.taskQueue, request);
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'failed', error: 'boom' });
    expect(await tried()).toBe(2);
    expect(await rowsFor(actionId)).toEqual({ runs: ['failed'], audit: ['tool.started', 'tool.failed'] });
    const failed = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId, type: 'tool.failed' } });
    expect(failed.payload).toMatchObject({ tool: 'demo.fail', error: 'boom' });
    expect(await verifyAuditChain(h.db)).toMatchObject({ ok: true });
  });

  it('attempt by attempt: the lost append leaves the run running, not failed without its row', async () => {
    const activities = createActivities(defaultActivityDeps(h.db, defaultPolicy()));
    const input = admissionInput(h.taskQueue, allowed('demo.fail', { message: 'broke' }));
    const tried = await failFirstAuditAppend(h.db, 'tool.failed', input.actionId);

    await expect(new MockActivityEnvironment().run(() => activities.admitAndRun(input))).rejects.toThrow(/test: tool.failed lost/);
    expect(await rowsFor(input.actionId)).toEqual({ runs: ['running'], audit: ['tool.started'] });

    const retry = await new MockActivityEnvironment({ attempt: 2 }).run<[], AdmitAndRunAnswer, () => Promise<AdmitAndRunAnswer>>(() => activities.admitAndRun(input));
    expect(retry.run).toEqual({ completed: { status: 'failed', actionId: input.actionId, error: 'broke' } });
    expect(await tried()).toBe(2);
    expect(await rowsFor(input.actionId)).toEqual({ runs: ['failed'], audit: ['tool.started', 'tool.failed'] });
    expect((await h.db.prisma.action.findUniqueOrThrow({ where: { id: input.actionId } })).status).toBe('failed');
  });
});

describe('a cancelled run and its tool.cancelled row', () => {
  it('the lost append leaves the run running, not cancelled without its row; the next cancellation writes it once', async () => {
    const activities = createActivities(defaultActivityDeps(h.db, defaultPolicy()));
    const input = admissionInput(h.taskQueue, allowed('demo.sleep', { ms: 240_000 }));
    const tried = await failFirstAuditAppend(h.db, 'tool.cancelled', input.actionId);

    /** One attempt of admitAndRun, cancelled by the workflow once the tool is running; what it threw. */
    const cancelledAttempt = async (attempt: number) => {
      const env = new MockActivityEnvironment({ attempt });
      const running = env
        .run(() => activities.admitAndRun(input))
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      // demo.sleep heartbeats what it has left to wait: the tool is running.
      await new Promise<void>((resolve) =>
        env.on('heartbeat', (details: unknown) => {
          if (details) resolve();
        }),
      );
      env.cancel('CANCELLED', new ActivityCancellationDetails({ cancelRequested: true }));
      return running;
    };

    expect(String(await cancelledAttempt(1))).toMatch(/test: tool.cancelled lost/);
    expect(await rowsFor(input.actionId)).toEqual({ runs: ['running'], audit: ['tool.started'] });

    expect(await cancelledAttempt(2)).toBeInstanceOf(CancelledFailure);
    expect(await tried()).toBe(2);
    expect(await rowsFor(input.actionId)).toEqual({ runs: ['cancelled'], audit: ['tool.started', 'tool.cancelled'] });
    expect(await verifyAuditChain(h.db)).toMatchObject({ ok: true });
  });
});
