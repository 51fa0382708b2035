import { actionHandle } from '@airlock/core/gateway';
import { createApiKey } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { CONSOLE_SETUP_TIMEOUT_MS, ensureConsoleBuilt, startConsole, type RunningConsole } from './console-app.js';

// `next start` closes its server on SIGTERM and waits for the requests in flight; a long poll must not hold that up.
describe('stopping the console', () => {
  let h: Harness;
  let app: RunningConsole | undefined;
  let key: string;

  beforeAll(async () => {
    const built = ensureConsoleBuilt();
    h = await startHarness();
    await seedTeam(h.db);
    key = (await createApiKey(h.db, { userId: 'alice' })).key;
    await built;
  }, CONSOLE_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await app?.stop();
    await h?.close();
  });

  it('answers open outcome and authorization waits "pending" at once and exits, instead of waiting them out', async () => {
    app = await startConsole({ DATABASE_URL: h.database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: h.taskQueue });
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    // A gate-only action: its agent waits for the authorization instead of the outcome.
    const gated = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ execution: 'agent' }));
    const waitMs = 30_000;
    const headers = { authorization: `Bearer ${key}` };
    const polled = fetch(`${app.url}/api/v1/actions/${actionId}/outcome?waitMs=${waitMs}`, { headers });
    const authorizing = fetch(`${app.url}/api/v1/actions/${gated.actionId}/authorization?waitMs=${waitMs}`, { headers });
    // The polls are in the console's hands once the console has read the key's row: give it that long, then stop.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const stopping = Date.now();
    const running = app;
    app = undefined;
    await running.stop();
    const [response, authorization] = await Promise.all([polled, authorizing]);
    // Before, the stop waited out the polls (34 s measured); now they answer as soon as the console is told to stop
    // (about 1 s). The bound only tells the two apart, with room for a busy machine.
    expect(Date.now() - stopping).toBeLessThan(waitMs - 5_000);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'pending', actionId });
    expect(authorization.status).toBe(202);
    expect(await authorization.json()).toMatchObject({ status: 'pending', actionId: gated.actionId, phase: 'awaiting_approval' });
    await actionHandle(h.client, actionId).cancel();
    await actionHandle(h.client, gated.actionId).cancel();
  }, 120_000);
});
