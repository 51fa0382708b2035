import { Writable } from 'node:stream';
import { GUARDED_ACTION_WORKFLOW, workflowIdForAction, type GuardedActionInput } from '@airlock/core';
import { deriveActionId } from '@airlock/core/hashing';
import { createLogger } from '@airlock/telemetry';
import { sweepOrphanWorkflows, type SweptOrphan } from '@airlock/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';

// Issue #11 item 4: no workflow may exist without an action row. The sweeper
// finds running action workflows that have none, audits, logs and terminates them.

let h: Harness;
const lines: string[] = [];
const logger = createLogger({
  name: 'airlock-worker',
  level: 'info',
  format: 'json',
  destination: new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  }),
});

beforeAll(async () => {
  h = await startHarness();
  await seedTeam(h.db);
});
afterAll(async () => {
  await h?.close();
});

/** Starts an action workflow directly, around every edge check, as a broken client or a bug could. */
async function startWithoutAdmission(idempotencyKey: string, taskQueue: string, request: Record<string, unknown>) {
  const actionId = deriveActionId(taskQueue, 'billing-bot', idempotencyKey);
  const input = { actionId, argsHash: 'c'.repeat(64), request: { agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'x' }, idempotencyKey, ...request } };
  const handle = await h.client.workflow.start(GUARDED_ACTION_WORKFLOW, { workflowId: workflowIdForAction(actionId), taskQueue, args: [input as unknown as GuardedActionInput] });
  return { actionId, handle };
}

/** Sweeps until the sweep reports `actionId` (visibility is eventually consistent); fails after `timeoutMs`. */
async function sweepUntil(actionId: string, options: Omit<Parameters<typeof sweepOrphanWorkflows>[0], 'client' | 'db' | 'logger'>, timeoutMs = 30_000): Promise<SweptOrphan> {
  const started = Date.now();
  for (;;) {
    const swept = await sweepOrphanWorkflows({ client: h.client, db: h.db, logger, ...options });
    const found = swept.find((o) => o.actionId === actionId);
    if (found) return found;
    if (Date.now() - started > timeoutMs) throw new Error(`the sweeper never reported ${actionId}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('orphan workflow sweeper', () => {
  it('terminates a workflow whose admission keeps failing, with an audit row and a log line, and leaves admitted actions alone', async () => {
    const waiting = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    // No rationale: admission throws a TypeError on every attempt and never writes the action row.
    const { actionId, handle } = await startWithoutAdmission('orphan-1', h.taskQueue, { rationale: undefined });

    const orphan = await sweepUntil(actionId, { taskQueue: h.taskQueue, graceMs: 0, minFailedAttempts: 2 });
    expect(orphan).toMatchObject({
      workflowId: workflowIdForAction(actionId),
      workflowType: 'guardedAction',
      // The admission's own error, as the last failed attempt reported it (where the scan trips on the missing text).
      why: expect.stringMatching(/^no action row after \d+ failed attempts of admitAndRun: Cannot read properties of undefined \(reading '\w+'\)/),
    });
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    expect(await h.db.prisma.action.count({ where: { id: actionId } })).toBe(0);

    const rows = await h.db.prisma.auditEvent.findMany({ where: { actionId } });
    expect(rows).toEqual([
      expect.objectContaining({
        type: 'workflow.orphan_terminated',
        actor: 'system:orphan-sweeper',
        payload: expect.objectContaining({ workflowId: workflowIdForAction(actionId), reason: orphan.why }),
      }),
    ]);
    expect(lines.some((line) => line.includes(`terminating orphan workflow ${workflowIdForAction(actionId)}`))).toBe(true);

    // The action with a row is untouched, whatever the thresholds.
    const again = await sweepOrphanWorkflows({ client: h.client, db: h.db, logger, taskQueue: h.taskQueue, graceMs: 0, minFailedAttempts: 0, maxAgeWithoutRowMs: 0 });
    expect(again.map((o) => o.actionId)).not.toContain(waiting.actionId);
    expect((await h.client.workflow.getHandle(workflowIdForAction(waiting.actionId)).describe()).status.name).toBe('RUNNING');
  });

  it('terminates a workflow no worker ever admitted once it is older than the limit, and not before', async () => {
    const idle = `airlock-idle-${Date.now()}`;
    const { actionId, handle } = await startWithoutAdmission('orphan-2', idle, {});
    const young = await sweepOrphanWorkflows({ client: h.client, db: h.db, logger, taskQueue: idle, graceMs: 0, maxAgeWithoutRowMs: 3_600_000 });
    expect(young).toEqual([]);
    const orphan = await sweepUntil(actionId, { taskQueue: idle, graceMs: 0, maxAgeWithoutRowMs: 0 });
    expect(orphan.why).toMatch(/^no action row \d+ min after it started$/);
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    expect(await h.db.prisma.auditEvent.count({ where: { actionId, type: 'workflow.orphan_terminated' } })).toBe(1);
  });
});
