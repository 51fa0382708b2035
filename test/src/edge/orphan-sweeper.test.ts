import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { dataConverterFor, type Keyring } from '@airlock/codec';
import { GUARDED_ACTION_WORKFLOW, workflowIdForAction, type GuardedActionInput } from '@airlock/core';
import { deriveActionId } from '@airlock/core/hashing';
import { createLogger } from '@airlock/telemetry';
import { sweepOrphanWorkflows, type SweptOrphan } from '@airlock/worker';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';

// Issue #11 item 4: no workflow may exist without an action row. The sweeper
// finds running action workflows that have none, audits, logs and terminates them.

// Payloads encrypted, as in production with AIRLOCK_PAYLOAD_KEYS: failures' messages are encrypted in history.
const keyring: Keyring = { activeKeyId: 'k1', keys: new Map([['k1', new Uint8Array(randomBytes(32))]]) };

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
  h = await startHarness({ dataConverter: dataConverterFor(keyring) });
  await seedTeam(h.db);
});
afterAll(async () => {
  await h?.close();
});

/** Starts an action workflow directly, around every edge check, as a broken client or a bug could. */
async function startWithoutAdmission(idempotencyKey: string, taskQueue: string, request: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const actionId = deriveActionId(taskQueue, 'billing-bot', idempotencyKey);
  const input = { actionId, argsHash: 'c'.repeat(64), request: { agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'x' }, idempotencyKey, ...request }, ...extra };
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

/** Waits until visibility lists every one of `workflowIds` as running on `taskQueue` (it is eventually consistent). */
async function untilListed(taskQueue: string, workflowIds: string[]): Promise<void> {
  for (;;) {
    const listed = new Set<string>();
    for await (const info of h.client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) listed.add(info.workflowId);
    if (workflowIds.every((id) => listed.has(id))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The reason Temporal recorded for the terminate, and whether the history's raw bytes (read without the key) hold `text`. */
async function terminateRecord(workflowId: string, text: string): Promise<{ reason: string | null | undefined; holdsText: boolean }> {
  const history = await new Client({ connection: h.client.connection }).workflow.getHandle(workflowId).fetchHistory();
  const terminated = (history.events ?? []).find((e) => e.workflowExecutionTerminatedEventAttributes);
  const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
  return { reason: terminated?.workflowExecutionTerminatedEventAttributes?.reason, holdsText: bytes.includes(text) };
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
    // The failure's message stays encrypted in history: Temporal's terminate record gets a fixed reason, not the decoded text.
    const failureMessage = orphan.why.slice(orphan.why.indexOf(': ') + 2);
    expect(failureMessage).toMatch(/^Cannot read properties/);
    expect(await terminateRecord(workflowIdForAction(actionId), failureMessage)).toEqual({
      reason: 'Airlock orphan sweeper: no action row (the reason is in the audit log, workflow.orphan_terminated)',
      holdsText: false,
    });

    // The action with a row is untouched, whatever the thresholds.
    const again = await sweepOrphanWorkflows({ client: h.client, db: h.db, logger, taskQueue: h.taskQueue, graceMs: 0, minFailedAttempts: 0, maxAgeWithoutRowMs: 0 });
    expect(again.map((o) => o.actionId)).not.toContain(waiting.actionId);
    expect((await h.client.workflow.getHandle(workflowIdForAction(waiting.actionId)).describe()).status.name).toBe('RUNNING');
  });

  it('finds an orphan behind more than a batch of newer running workflows that have rows', async () => {
    const queue = h.taskQueue;
    const { actionId, handle } = await startWithoutAdmission('orphan-behind', queue, { rationale: undefined });
    const newer = [];
    for (let i = 0; i < 3; i++) newer.push(await submitAndWaitForApproval(h.client, queue, refundRequest({ idempotencyKey: `newer-${i}` })));
    await untilListed(queue, [handle.workflowId, ...newer.map((a) => workflowIdForAction(a.actionId))]);

    // Two a page: the newest two (with rows) fill the first page; the orphan is on a later one.
    const orphan = await sweepUntil(actionId, { taskQueue: queue, graceMs: 0, minFailedAttempts: 2, batchSize: 2 });
    expect(orphan.workflowId).toBe(handle.workflowId);
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    for (const action of newer) expect((await h.client.workflow.getHandle(workflowIdForAction(action.actionId)).describe()).status.name).toBe('RUNNING');
  });

  it('leaves alone a workflow no worker has run yet (submitted while workers were down), however old', async () => {
    const idle = `airlock-idle-${Date.now()}`;
    const { handle } = await startWithoutAdmission('orphan-2', idle, {});
    await untilListed(idle, [handle.workflowId]);
    expect(await sweepOrphanWorkflows({ client: h.client, db: h.db, logger, taskQueue: idle, graceMs: 0, minFailedAttempts: 0, maxAgeWithoutRowMs: 0 })).toEqual([]);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test over');
  });

  it('terminates a workflow whose own code keeps failing before it asks for admission', async () => {
    const { actionId, handle } = await startWithoutAdmission('orphan-4', h.taskQueue, {}, { request: null });
    const orphan = await sweepUntil(actionId, { taskQueue: h.taskQueue, graceMs: 0, minFailedAttempts: 2 }, 60_000);
    expect(orphan.why).toMatch(/^no action row after \d+ failed workflow tasks$/);
    expect((await handle.describe()).status.name).toBe('TERMINATED');
  });

  it('terminates a workflow a worker has run for longer than the limit without admitting it (admission in its first task failing)', async () => {
    // Expected to wait: admitted by a local activity in the first task, whose attempts Temporal does not show.
    const { actionId, handle } = await startWithoutAdmission('orphan-3', h.taskQueue, { rationale: undefined }, { expectsApproval: true });
    const orphan = await sweepUntil(actionId, { taskQueue: h.taskQueue, graceMs: 0, maxAgeWithoutRowMs: 0 }, 60_000);
    expect(orphan.why).toMatch(/^no action row \d+ min after a worker first ran it$/);
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    expect(await h.db.prisma.auditEvent.count({ where: { actionId, type: 'workflow.orphan_terminated' } })).toBe(1);
  });
});
