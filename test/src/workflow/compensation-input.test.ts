import { postCompensationResolution } from '@airlock/console';
import { resolveCompensationUpdate } from '@airlock/core';
import { actionHandle, awaitOutcome } from '@airlock/core/gateway';
import { createApiKey } from '@airlock/db';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, contextOf, expectError, expectJson } from '../api/client.js';
import { waitForStatus } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import { startStubbornHarness, stubbornTool, stuckPlan } from '../support/stubborn-tool.js';

// A compensation resolution's comment is audited: one PostgreSQL cannot store (NUL) or canonical JSON cannot hash
// (a lone surrogate) failed the audit write of the update's local activity on every retry, so the plan waited for
// ever, the REST call answered 503 after the full wait and a retry with a clean comment 503'd too.

const stubborn = stubbornTool();

let h: Harness;
beforeAll(async () => {
  h = await startStubbornHarness(stubborn);
});
afterAll(async () => {
  await h?.close();
});

const resolutionTypes = async (actionId: string) =>
  (await h.db.prisma.auditEvent.findMany({ where: { actionId, type: 'compensation.resolution' }, orderBy: { seq: 'asc' }, select: { payload: true } })).map((e) => e.payload);

describe('a compensation resolution whose comment cannot be stored', () => {
  // A short wait: before the fix the bad comment's call took all of it and answered 503.
  const post = (actionId: string, key: string, body: unknown) =>
    postCompensationResolution(apiRequest(`/api/v1/actions/${actionId}/compensations`, { key, body }), { ...contextOf(h), decisionWaitMs: 5_000 }, { id: actionId });

  it.each([
    ['a NUL', 'fixed\u0000by hand', 'must not contain NUL characters'],
    ['a lone surrogate', 'fixed \ud800 by hand', 'must be Unicode text: it holds a lone surrogate (half of a UTF-16 pair), which can be neither hashed nor stored'],
  ])('is a 400 naming `comment` when it holds %s, and a clean answer then ends the plan', async (label, comment, message) => {
    const { actionId } = await stuckPlan(h, stubborn, `comment-${label.replace(/\W/g, '-')}`);
    const key = (await createApiKey(h.db, { userId: 'bob' })).key;
    const started = Date.now();
    const error = await expectError(post(actionId, key, { step: 1, resolution: 'resolved_manually', comment }), 400, 'invalid_request');
    expect(error.issues).toEqual([{ path: 'comment', message }]);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await resolutionTypes(actionId)).toEqual([]);

    const accepted = await expectJson(post(actionId, key, { step: 1, resolution: 'resolved_manually', comment: 'fixed by hand' }), 200, z.object({ accepted: z.literal(true) }));
    expect(accepted).toEqual({ accepted: true });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({
      status: 'failed',
      error: 'step 2 (demo.fail) failed: boom; rolled back: step 1 (demo.stubborn) resolved by hand by bob',
    });
    expect(await resolutionTypes(actionId)).toEqual([{ approverId: 'bob', step: 0, resolution: 'resolved_manually', comment: 'fixed by hand' }]);
  });

  it('is refused by the workflow itself when a client skips the edge: no history event, nothing audited, the plan still waits', async () => {
    const { actionId } = await stuckPlan(h, stubborn, 'comment-direct');
    const handle = actionHandle(h.client, actionId);
    const eventsBefore = (await handle.fetchHistory()).events?.length ?? 0;
    for (const comment of ['a\u0000b', '\udc00']) {
      const refused = handle.executeUpdate(resolveCompensationUpdate, { args: [{ approverId: 'bob', step: 0, resolution: 'resolved_manually', comment }] });
      await expect(refused).rejects.toMatchObject({ cause: { message: expect.stringMatching(/^the resolution cannot be recorded: comment: must/) } });
    }
    const history = await handle.fetchHistory();
    expect(history.events?.length).toBe(eventsBefore);
    expect(JSON.stringify(history.events)).not.toContain('recordCompensationResolution');
    expect(await resolutionTypes(actionId)).toEqual([]);
    expect((await waitForStatus(h.client, actionId, (s) => s.phase === 'compensation_failed')).phase).toBe('compensation_failed');

    stubborn.state.undoWorks = true;
    await handle.executeUpdate(resolveCompensationUpdate, { args: [{ approverId: 'bob', step: 0, resolution: 'retry', comment: 'try again' }] });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'failed', error: 'step 2 (demo.fail) failed: boom; rolled back: step 1 (demo.stubborn) compensated' });
  });
});
