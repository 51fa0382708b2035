import { resolveCompensationUpdate } from '@airlock/core';
import { actionHandle, awaitOutcome } from '@airlock/core/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForStatus } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import { startStubbornHarness, stubbornTool, stuckPlan } from '../support/stubborn-tool.js';

// A plan's compensation resolution (resolveCompensation) is written to the database only once Temporal
// durably accepted the update: by a normal activity scheduled in the task that accepts it (patch
// compensation-resolution-recorded-after-accept), never by a local activity inside that task, where a
// worker crash left an audit row for a resolution Temporal never took (holding the sequence key of the
// next accepted one). Read from the history: every write follows its update's acceptance, as an activity.

const stubborn = stubbornTool();

let h: Harness;
beforeAll(async () => {
  h = await startStubbornHarness(stubborn);
});
afterAll(async () => {
  await h?.close();
});

describe('compensation resolution', () => {
  it('is recorded by a normal activity scheduled after Temporal accepted the update, never in a local activity', async () => {
    const { actionId } = await stuckPlan(h, stubborn, 'resolution-after-accept');

    const handle = actionHandle(h.client, actionId);
    // A non-approver's answer is accepted, then refused by the write (the update fails; no row).
    await expect(handle.executeUpdate(resolveCompensationUpdate, { args: [{ approverId: 'victor', step: 0, resolution: 'retry' }] })).rejects.toThrow(/update failed/i);
    stubborn.state.undoWorks = true;
    await handle.executeUpdate(resolveCompensationUpdate, { args: [{ approverId: 'alice', step: 0, resolution: 'retry' }] });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'failed' });

    const events = (await handle.fetchHistory()).events ?? [];
    const accepted = events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === resolveCompensationUpdate.name);
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordCompensationResolution');
    const localWrites = events.filter((e) => {
      const marker = e.markerRecordedEventAttributes;
      if (marker?.markerName !== 'core_local_activity') return false;
      const payloads = Object.values(marker.details ?? {}).flatMap((d) => d.payloads ?? []);
      return payloads.some((p) => p.data && Buffer.from(p.data).toString('utf8').includes('recordCompensationResolution'));
    });
    expect(accepted).toHaveLength(2);
    expect(localWrites).toHaveLength(0);
    expect(scheduled).toHaveLength(2);
    // Each write is scheduled after (never before or with) the acceptance of its update.
    for (const [i, write] of scheduled.entries()) expect(Number(write.eventId)).toBeGreaterThan(Number(accepted[i]!.eventId));

    const rows = await h.db.prisma.auditEvent.findMany({ where: { actionId, type: 'compensation.resolution' }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => r.actor)).toEqual(['user:alice']);
  });
});

describe('two answers at once', () => {
  it('one is taken; the other is refused while the first is being written (never applied to a later wait)', async () => {
    const { actionId } = await stuckPlan(h, stubborn, 'resolution-two-at-once');

    const handle = actionHandle(h.client, actionId);
    const answers = await Promise.allSettled(
      ['alice', 'bob'].map((approverId) => handle.executeUpdate(resolveCompensationUpdate, { args: [{ approverId, step: 0, resolution: 'retry' }] })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = answers.find((a) => a.status === 'rejected') as PromiseRejectedResult;
    const refusal = rejected.reason as Error & { cause?: Error };
    expect(refusal.cause?.message ?? refusal.message).toMatch(/being recorded/);
    // The retry failed again: the step waits for a fresh answer, the refused one was not kept for it.
    await waitForStatus(h.client, actionId, (s) => s.phase === 'compensation_failed', 30_000);
    stubborn.state.undoWorks = true;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await waitForStatus(h.client, actionId, () => true)).phase).toBe('compensation_failed');
    await handle.executeUpdate(resolveCompensationUpdate, { args: [{ approverId: 'alice', step: 0, resolution: 'retry' }] });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'failed' });
    const rows = await h.db.prisma.auditEvent.findMany({ where: { actionId, type: 'compensation.resolution' }, orderBy: { seq: 'asc' } });
    expect(rows).toHaveLength(2);
  });
});
