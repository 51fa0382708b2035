import { createActivities, defaultActivityDeps } from '@airlock/activities';
import { PLAN_TOOL, type ActionRequestInput, type GuardedActionInput } from '@airlock/core';
import { createAgent, createBudget, grantStandingApproval } from '@airlock/db';
import { compilePolicy } from '@airlock/policy';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionInput } from '../support/actions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedTeam } from '../support/harness.js';
import type { FastPath } from '../support/seeded-activities.js';

// A standing approval stands in for the approval the policy's rules ask of one call. A rate limit whose outcome is
// `require_approval`, or a budget's approval threshold, asks a person to look at how often or how much, which no
// grant's condition sees: admission used the grant for those too, so an agent past its rate ran unasked. A plan takes
// no grant at all (its steps cannot be bound), even one stored before the ops layer refused them.

const policy = compilePolicy(
  `apiVersion: airlock/v1
rules:
  - id: echo
    tools: [demo.echo]
    tier: medium
    outcome: require_approval
    reason: an approver looks at echoes
  - id: refunds
    tools: [payments.refund]
    tier: high
    outcome: require_approval
    reason: refunds need an approver
rateLimits:
  - { id: echo-once, scope: agent_tool, tools: [demo.echo], limit: 1, window: 1m, outcome: require_approval }
`,
  'standing-scope.yaml',
);

let database: TestDatabase;
let admit: (request: ActionRequestInput) => Promise<FastPath['admission'] & { actionId: string }>;

beforeAll(async () => {
  database = await createTestDatabase();
  const { owner } = await seedTeam(database.db);
  const activities = createActivities(defaultActivityDeps(database.db, { current: () => policy }));
  admit = async (request) => {
    const input = admissionInput('standing-scope', request);
    const { admission } = await new MockActivityEnvironment().run<[GuardedActionInput], FastPath, (i: GuardedActionInput) => Promise<FastPath>>(
      (i) => activities.admitAndRun(i),
      input,
    );
    return { ...admission, actionId: input.actionId };
  };
  for (const id of ['rate-bot', 'threshold-bot', 'plan-bot']) await createAgent(database.db, { id, team: 'grants', ownerId: owner.id, allowedTools: ['demo.*', 'payments.*'] });
  const grant = (agentId: string, tool: string) =>
    grantStandingApproval(database.db, { agentId, tool, condition: 'true', reason: 'test', grantedBy: 'alice', validUntil: new Date(Date.now() + 3_600_000), maxUses: 10 });
  await grant('rate-bot', 'demo.echo');
  await grant('threshold-bot', 'payments.refund');
  await grant('plan-bot', PLAN_TOOL);
  await createBudget(database.db, { scope: 'agent', target: 'threshold-bot', period: 'day', currency: 'USD', limit: '1000.00', approvalThreshold: '100.00' });
});
afterAll(async () => {
  await database?.drop();
});

let serial = 0;
const request = (agentId: string, tool: string, args: Record<string, unknown>): ActionRequestInput => ({
  agentId,
  tool,
  args,
  rationale: 'test',
  idempotencyKey: `scope-${++serial}`,
});
const grantUses = (actionId: string) => database.db.prisma.auditEvent.count({ where: { actionId, type: 'approval.standing_used' } });

describe('a standing approval', () => {
  it("covers the rules' approval, not a rate limit's: past the limit a person is asked", async () => {
    const first = await admit(request('rate-bot', 'demo.echo', { message: 'one' }));
    expect(first.classification.decision).toBe('allow');
    expect(await grantUses(first.actionId)).toBe(1);

    const second = await admit(request('rate-bot', 'demo.echo', { message: 'two' }));
    expect(second.classification).toMatchObject({ decision: 'require_approval', reasons: expect.arrayContaining([expect.stringMatching(/^rate limit echo-once/)]) });
    expect(await grantUses(second.actionId)).toBe(0);
  });

  it("covers the rules' approval, not a budget threshold's", async () => {
    const under = await admit(request('threshold-bot', 'payments.refund', { paymentId: 'pay_1', amount: '60.00', currency: 'USD', reason: 'r' }));
    expect(under.classification.decision).toBe('allow');
    expect(await grantUses(under.actionId)).toBe(1);

    const crossing = await admit(request('threshold-bot', 'payments.refund', { paymentId: 'pay_2', amount: '60.00', currency: 'USD', reason: 'r' }));
    expect(crossing.classification).toMatchObject({ decision: 'require_approval', reasons: expect.arrayContaining([expect.stringMatching(/approval threshold/)]) });
    expect(await grantUses(crossing.actionId)).toBe(0);
  });

  it('is never used for a plan, even one stored for airlock.plan', async () => {
    const plan = await admit(request('plan-bot', PLAN_TOOL, { steps: [{ tool: 'demo.echo', args: { message: 'in a plan' } }] }));
    expect(plan.classification.decision).toBe('require_approval');
    expect(await grantUses(plan.actionId)).toBe(0);
  });
});
