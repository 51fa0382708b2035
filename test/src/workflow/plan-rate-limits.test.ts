import { createActivities, defaultActivityDeps } from '@airlock/activities';
import { PLAN_TOOL, type ActionRequestInput, type GuardedActionInput } from '@airlock/core';
import { createAgent } from '@airlock/db';
import { compilePolicy } from '@airlock/policy';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionInput } from '../support/actions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedTeam } from '../support/harness.js';
import type { FastPath } from '../support/seeded-activities.js';

// A plan is admitted as one action but runs one tool call per step: each step counts against the rate limits
// of its own tool (and one event per step against an agent-scope limit), so a plan cannot get around them.

const policyWith = (rateLimit: string, source: string) =>
  compilePolicy(
    `apiVersion: airlock/v1
rules:
  - id: echo
    tools: [demo.echo]
    tier: low
    outcome: allow
    reason: demo.echo has no side effects
rateLimits:
${rateLimit}`,
    source,
  );
const policies = {
  echoOnce: policyWith('  - { id: echo-once, scope: agent_tool, tools: [demo.echo], limit: 1, window: 1m, outcome: deny }\n', 'echo-once.yaml'),
  echoPair: policyWith('  - { id: echo-pair, scope: agent_tool, tools: [demo.echo], limit: 2, window: 1m, outcome: require_approval }\n', 'echo-pair.yaml'),
  demoPerTool: policyWith('  - { id: demo-per-tool, scope: agent_tool, tools: [demo.*], limit: 1, window: 1m, outcome: deny }\n', 'demo-per-tool.yaml'),
  agentBurst: policyWith('  - { id: agent-burst, scope: agent, limit: 3, window: 1m, outcome: deny }\n', 'agent-burst.yaml'),
};
type PolicyName = keyof typeof policies;

let database: TestDatabase;
let admitWith: (input: GuardedActionInput, policy: PolicyName) => Promise<FastPath>;

beforeAll(async () => {
  database = await createTestDatabase();
  const { owner } = await seedTeam(database.db);
  const activities = (name: PolicyName) => createActivities(defaultActivityDeps(database.db, { current: () => policies[name] }));
  const byPolicy = { echoOnce: activities('echoOnce'), echoPair: activities('echoPair'), demoPerTool: activities('demoPerTool'), agentBurst: activities('agentBurst') };
  admitWith = (input, name) =>
    new MockActivityEnvironment().run<[GuardedActionInput], FastPath, (i: GuardedActionInput) => Promise<FastPath>>((i) => byPolicy[name].admitAndRun(i), input);
  for (const id of ['plan-deny-bot', 'plan-count-bot', 'plan-retry-bot', 'plan-approval-bot', 'plan-two-tools-bot']) {
    await createAgent(database.db, { id, team: 'rates', ownerId: owner.id, allowedTools: ['demo.*'] });
  }
});
afterAll(async () => {
  await database?.drop();
});

const echo = (message: string) => ({ tool: 'demo.echo', args: { message } });
const echoRequest = (agentId: string, key: string): ActionRequestInput => ({ agentId, ...echo(key), rationale: 'echo', idempotencyKey: key });
const planRequest = (agentId: string, key: string, steps: number): ActionRequestInput => ({
  agentId,
  tool: PLAN_TOOL,
  args: { steps: Array.from({ length: steps }, (_, i) => echo(`${key}-${i + 1}`)) },
  rationale: 'echo plan',
  idempotencyKey: key,
});
const input = (request: ActionRequestInput) => admissionInput('plan-rate-limits', request);
// A plan's first event is under its action id, the others under `<id>#n`.
const rateEventsOf = (actionId: string) => database.db.prisma.rateEvent.count({ where: { actionId: { startsWith: actionId } } });

describe('a plan under per-tool rate limits', () => {
  it('is denied when its steps exceed a limit on their tool, naming the limit and the tool, and counts nothing', async () => {
    const plan = input(planRequest('plan-deny-bot', 'deny-plan', 2));
    const { admission } = await admitWith(plan, 'echoOnce');
    expect(admission.classification.decision).toBe('deny');
    expect(admission.classification.reasons[0]).toBe("rate limit echo-once: more than 1 requests per 60s (agent_tool), counting the plan's 2 steps calling demo.echo");
    const exceeded = await database.db.prisma.auditEvent.findMany({ where: { actionId: plan.actionId, type: 'rate_limit.exceeded' } });
    expect(exceeded.map((e) => (e.payload as { limit: string }).limit)).toEqual(['echo-once']);
    expect(await rateEventsOf(plan.actionId)).toBe(0);
    // The denied plan took none of the window: a single echo is still let through, and counted.
    const single = await admitWith(input(echoRequest('plan-deny-bot', 'deny-single-1')), 'echoOnce');
    expect(single.admission.classification.decision).toBe('allow');
    expect((await admitWith(input(echoRequest('plan-deny-bot', 'deny-single-2')), 'echoOnce')).admission.classification.decision).toBe('deny');
  });

  it("counts an admitted plan's steps in the same window as single calls of their tool", async () => {
    const plan = input(planRequest('plan-count-bot', 'count-plan', 1));
    expect((await admitWith(plan, 'echoOnce')).admission.classification.decision).toBe('allow');
    expect(await rateEventsOf(plan.actionId)).toBe(1);
    const single = await admitWith(input(echoRequest('plan-count-bot', 'count-single')), 'echoOnce');
    expect(single.admission.classification.decision).toBe('deny');
    expect(single.admission.classification.reasons[0]).toBe('rate limit echo-once: more than 1 requests per 60s (agent_tool)');
  });

  it('counts one event per step against an agent-scope limit, and a retried admission counts none again', async () => {
    const plan = input(planRequest('plan-retry-bot', 'retry-plan', 3));
    const first = await admitWith(plan, 'agentBurst');
    expect(first.admission.classification.decision).toBe('allow');
    expect(await rateEventsOf(plan.actionId)).toBe(3);
    // Temporal retries admission after a commit whose result was lost: the same decision, nothing counted twice.
    const retry = await admitWith(plan, 'agentBurst');
    expect(retry.admission).toEqual(first.admission);
    expect(await rateEventsOf(plan.actionId)).toBe(3);
    // Three steps filled the window of three tool calls.
    const single = await admitWith(input(echoRequest('plan-retry-bot', 'retry-single')), 'agentBurst');
    expect(single.admission.classification.decision).toBe('deny');
    expect(single.admission.classification.reasons[0]).toBe('rate limit agent-burst: more than 3 requests per 60s (agent)');
  });

  it("gets the limit's outcome: require_approval when the limit says so", async () => {
    const plan = input(planRequest('plan-approval-bot', 'approval-plan', 3));
    const { admission } = await admitWith(plan, 'echoPair');
    expect(admission.classification.decision).toBe('require_approval');
    expect(admission.classification.reasons).toContain("rate limit echo-pair: more than 2 requests per 60s (agent_tool), counting the plan's 3 steps calling demo.echo");
  });

  it('names each tool whose steps exceed a limit counted per tool, with an audit row each', async () => {
    const sleep = { tool: 'demo.sleep', args: { ms: 0 } };
    const plan = input({ ...planRequest('plan-two-tools-bot', 'two-tools-plan', 2), args: { steps: [echo('a'), sleep, echo('b'), sleep] } });
    const { admission } = await admitWith(plan, 'demoPerTool');
    expect(admission.classification.decision).toBe('deny');
    expect(admission.classification.reasons).toEqual(
      expect.arrayContaining([
        "rate limit demo-per-tool: more than 1 requests per 60s (agent_tool), counting the plan's 2 steps calling demo.echo",
        "rate limit demo-per-tool: more than 1 requests per 60s (agent_tool), counting the plan's 2 steps calling demo.sleep",
      ]),
    );
    expect(await database.db.prisma.auditEvent.count({ where: { actionId: plan.actionId, type: 'rate_limit.exceeded' } })).toBe(2);
  });
});
