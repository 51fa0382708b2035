import { createActivities, defaultActivityDeps } from '@airlock/activities';
import { ActionRequest, type GuardedActionInput } from '@airlock/core';
import { argsHash, deriveActionId } from '@airlock/core/hashing';
import { createAgent, createBudget, releaseBudget, reserveBudget } from '@airlock/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { defaultPolicy } from '../support/harness.js';

// Found by the soak (seed 1122): a worker died after admission had committed its
// audit rows but before Temporal heard the result. Temporal retried the activity
// 30 s later; by then another action's reservation had been released, so the
// retry reserved the budget and asked for an approval, while the audit log
// (whose `classified` row is written once per action) still said "deny". The
// workflow then opened an approval that the log says never should have existed.
// Pinned with `it.fails` until admission returns what it recorded the first time
// (see the report to the lead); then drop `.fails`.

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(async () => {
  await t.drop();
});

describe('a retried admission', () => {
  it.fails('returns the decision it recorded the first time, even though the budget changed in between', async () => {
    await createAgent(t.db, { id: 'retry-bot', team: 'retry', allowedTools: ['payments.*'] });
    await createBudget(t.db, { scope: 'agent', target: 'retry-bot', period: 'day', currency: 'USD', limit: '100.00' });
    // Another action holds the whole budget when the first attempt runs.
    await reserveBudget(t.db, { actionId: 'other-action', agentId: 'retry-bot', team: 'retry', amount: '100.00', currency: 'USD', at: new Date() });

    const request = ActionRequest.parse({
      agentId: 'retry-bot',
      tool: 'payments.refund',
      args: { paymentId: 'pay_1', amount: '60.00', currency: 'USD', reason: 'duplicate' },
      idempotencyKey: 'retry-1',
    });
    const input: GuardedActionInput = { actionId: deriveActionId('retry-queue', request.agentId, request.idempotencyKey), argsHash: argsHash(request.args), request };
    const activities = createActivities(defaultActivityDeps(t.db, defaultPolicy()));

    const first = await activities.admitAndRun(input);
    expect(first.admission.classification.decision).toBe('deny');
    const recorded = await t.db.prisma.auditEvent.findUniqueOrThrow({ where: { eventKey: `${input.actionId}:classified` } });
    expect(recorded.payload).toMatchObject({ decision: 'deny' });

    // The first attempt's answer is lost; meanwhile the other action's money is given back.
    await releaseBudget(t.db, { actionId: 'other-action' });
    const retry = await activities.admitAndRun(input);
    expect(retry.admission.classification.decision).toBe('deny');
  });
});
