import { defaultActivityDeps } from '@airlock/activities';
import { createUser } from '@airlock/db';
import { compilePolicy } from '@airlock/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';

/**
 * An escalation step due at or after the round's deadline never happens (roundSchedule): with the
 * `escalate` outcome only admins join at the deadline. The step's group was let in with them.
 */
const LATE_STEP = compilePolicy(
  `apiVersion: airlock/v1\nrules:\n  - id: admin-refunds\n    tools: [payments.refund]\n    tier: high\n    outcome: require_approval\n    reason: an admin decides\n    approval: { role: admin, deadline: 1s, timeout: escalate, escalation: [{ after: 1h, to: leads }] }\n`,
  'late-step.yaml',
);

const STEP_IN_TIME = compilePolicy(
  `apiVersion: airlock/v1\nrules:\n  - id: admin-refunds\n    tools: [payments.refund]\n    tier: high\n    outcome: require_approval\n    reason: an admin decides\n    approval: { role: admin, deadline: 2s, timeout: escalate, escalation: [{ after: 1s, to: leads }] }\n`,
  'step-in-time.yaml',
);
let policy = LATE_STEP;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ deps: (db) => defaultActivityDeps(db, { current: () => policy }) });
  await seedTeam(h.db);
  await createUser(h.db, { id: 'ada', role: 'admin' });
  await createUser(h.db, { id: 'lena', role: 'approver', groups: ['leads'] });
});
afterAll(async () => {
  await h?.close();
});

/** The first `count` escalations of a new refund's round, as audited. */
async function escalations(count: number): Promise<Record<string, unknown>[]> {
  const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
  for (;;) {
    const rows = await h.db.prisma.auditEvent.findMany({ where: { actionId, type: 'approval.escalated' }, orderBy: { seq: 'asc' } });
    if (rows.length >= count) return rows.map((r) => r.payload as Record<string, unknown>);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('escalation at the deadline', () => {
  it('admits admins only, not the target of a step due after the deadline', async () => {
    policy = LATE_STEP;
    const [atDeadline] = await escalations(1);
    expect(atDeadline).toMatchObject({ level: 2, to: 'role:admin', eligibleApprovers: ['ada', 'bob'] });
  });

  it('keeps the steps taken before the deadline', async () => {
    policy = STEP_IN_TIME;
    const [step, atDeadline] = await escalations(2);
    expect(step).toMatchObject({ level: 1, to: 'leads', eligibleApprovers: ['ada', 'bob', 'lena'] });
    expect(atDeadline).toMatchObject({ level: 2, to: 'role:admin', eligibleApprovers: ['ada', 'bob', 'lena'] });
  });
});
