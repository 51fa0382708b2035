import { readFile } from 'node:fs/promises';
import { defaultActivityDeps } from '@airlock/activities';
import { actionHandle, getActionStatus, submitAction } from '@airlock/core/gateway';
import { temporal } from '@temporalio/proto';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { hold, releaseAllHolds, withHolds } from '../support/activity-holds.js';
import { refundRequest, waitForStatus } from '../support/actions.js';
import { authorizedRefund } from '../support/authorized-refund.js';
import { defaultPolicy, seedTeam, startHarness, type Harness } from '../support/harness.js';

// An action expected to wait is admitted by a local activity in its workflow's first task. A query that arrives
// while that activity runs (an agent polling its status) can make Core complete the task as soon as the activity is
// done, leaving the activity's result, and everything the workflow does next, to a second task; a replay resolves
// the result in the first. A patch asked after admission was then asked in different tasks by the run and by its
// replay, and the history did not replay ("Non-deprecated patch marker encountered for change
// round-ends-after-answers …", the suite's replay check on 7 Dec 2026): such a workflow cannot be recovered after an
// eviction or a worker restart. Every patch of that path is now answered in the first activation
// (ADMISSION_IN_FIRST_TASK_V2_PATCH), before the activity, wherever its result lands.

const EventType = temporal.api.enums.v1.EventType;
const expectsApproval = () => true;
const ATTEMPTS = 4;

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ deps: (db) => defaultActivityDeps(withHolds(db), defaultPolicy()) });
  await seedTeam(h.db);
});
afterEach(() => releaseAllHolds());
afterAll(async () => {
  await h?.close();
});

const shippedBundle = async () => JSON.parse(await readFile(inject('workflowBundlePath'), 'utf8')) as WorkflowBundleWithSourceMap;

/** The markers' names in history order, each with the number of the workflow task whose completion recorded it. */
function markersByTask(events: temporal.api.history.v1.IHistoryEvent[]): { name: string; task: number }[] {
  let task = 0;
  const markers: { name: string; task: number }[] = [];
  for (const event of events) {
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) task++;
    const attributes = event.markerRecordedEventAttributes;
    if (!attributes) continue;
    const patch = attributes.details?.['patch-data']?.payloads?.[0]?.data;
    const name = patch ? (JSON.parse(Buffer.from(patch).toString('utf8')) as { id: string }).id : (attributes.markerName ?? '?');
    markers.push({ name, task });
  }
  return markers;
}

describe('a query while admission runs in the first task', () => {
  it('leaves a history that replays, its patch answered before admission wherever admission’s result lands', async () => {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const admission = hold('admit');
      const { actionId } = await submitAction(h.client, h.taskQueue, refundRequest({ idempotencyKey: `query-race-${attempt}-${Date.now()}` }), { expectsApproval });
      await admission.entered;
      // Queries sent while admission is held, the way an agent's status poll does, answered once the task is done.
      const polls = Array.from({ length: 3 }, () => getActionStatus(h.client, actionId).catch(() => undefined));
      admission.release();
      await Promise.all(polls);
      await waitForStatus(h.client, actionId, (s) => s.phase === 'awaiting_approval');

      const history = await actionHandle(h.client, actionId).fetchHistory();
      const markers = markersByTask(history.events ?? []);
      // The one patch of this path is recorded in the first task, before admission's local activity.
      expect(markers.map((m) => m.name)).toEqual(['admission-in-first-task-v2', 'core_local_activity']);
      expect(markers[0]!.task).toBe(1);
      await expect(Worker.runReplayHistory({ workflowBundle: await shippedBundle() }, history, `query-race-${attempt}`)).resolves.toBeUndefined();
      await actionHandle(h.client, actionId).terminate('test over');
    }
  });

  it('a gate-only run asks its authorization patch first thing too: recorded in the first task, and the history replays', async () => {
    const { actionId } = await authorizedRefund(h, 'query-race-gate-only', 60_000);
    const history = await actionHandle(h.client, actionId).fetchHistory();
    const markers = markersByTask(history.events ?? []);
    expect(markers[0]).toEqual({ name: 'agent-run-patches-at-start', task: 1 });
    expect(markers.map((m) => m.name)).not.toContain('authorization-revoked-by-kill-switch');
    await expect(Worker.runReplayHistory({ workflowBundle: await shippedBundle() }, history, 'query-race-gate-only')).resolves.toBeUndefined();
    await actionHandle(h.client, actionId).terminate('test over');
  });
});
