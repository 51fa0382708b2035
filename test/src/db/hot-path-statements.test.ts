import type { ToolRun } from '@airlock/activities';
import { runIdempotencyKey, type GuardedActionInput } from '@airlock/core';
import { createDb, type Db } from '@airlock/db';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionInput, refundRequest } from '../support/actions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedTeam } from '../support/harness.js';
import { seededActivities, type SeededActivities } from '../support/seeded-activities.js';

// The hot path's statements are prepared once per connection and EXECUTEd after that
// (prisma/src/governance/prepared-statements.ts). That only pays when their texts are the same from one action to
// the next: a value written into a text instead of a $n makes each action's statement one of its own, prepared for
// one use (parsed and planned every time, as if inlined, plus the PREPARE), and the process's statements fill their
// bound, after which every text it has not seen yet is inlined for good. Completion's statement did that until
// 7 Dec 2026 (the action id in its `ends_action` test). Every kind of work below, repeated on other actions, must
// leave the connection's prepared statements as they were.

let t: TestDatabase;
let db: Db;
let activities: SeededActivities;
let admitAndRun: ReturnType<typeof seededActivities>['admitAndRun'];
let serial = 0;

beforeAll(async () => {
  t = await createTestDatabase();
  await seedTeam(t.db);
  // One connection: every statement is prepared on the session read below.
  db = createDb(t.url, { poolSize: 1 });
  ({ activities, admitAndRun } = seededActivities(db));
});
afterAll(async () => {
  await db?.close();
  await t?.drop();
});

const input = (request: ReturnType<typeof refundRequest>) => admissionInput('hot-path-statements', { ...request, idempotencyKey: `hot-${++serial}` });

/** Each kind of work on the hot path, on a new action each time it is called. */
const work: Record<string, () => Promise<void>> = {
  'an auto-approved demo.echo': async () => {
    const { run } = await admitAndRun(input(refundRequest({ tool: 'demo.echo', args: { message: `m${serial}` } })));
    expect(run).toMatchObject({ completed: { status: 'executed' } });
  },
  'an auto-approved refund': async () => {
    const { run } = await admitAndRun(input(refundRequest({ amount: '20.00' })));
    expect(run).toMatchObject({ completed: { status: 'executed' } });
  },
  'a denied action (a tool the agent is not allowed)': async () => {
    const { admission, run } = await admitAndRun(input(refundRequest({ tool: 'shell.exec', args: { command: `echo ${serial}` } })));
    expect(admission.classification.decision).toBe('deny');
    expect(run).toBeUndefined();
  },
  "an approved refund's admission and run": async () => {
    const admitted: GuardedActionInput = input(refundRequest({ amount: '125.00' }));
    const { opened } = await admitAndRun(admitted);
    expect(opened).toBeDefined();
    const { actionId, argsHash, request } = admitted;
    const decision = { approverId: 'alice', decision: 'approve' as const, channel: 'api' as const, round: 1, decidedAt: new Date().toISOString() };
    const approvalId = opened!.approvalId;
    const ran = await new MockActivityEnvironment().run<[], ToolRun, () => Promise<ToolRun>>(() =>
      activities.runTool({
        actionId,
        tool: request.tool,
        args: request.args,
        idempotencyKey: runIdempotencyKey(actionId),
        completion: { kind: 'in_run', hold: null },
        agentId: request.agentId,
        recheck: { input: admitted, budgetHolder: actionId },
        settledRound: {
          decisions: [{ actionId, approvalId, round: 1, argsHash, decision }],
          close: { actionId, approvalId, round: 1, closure: 'approved', reason: 'approved' },
        },
      }),
    );
    expect(ran).toMatchObject({ output: { amount: '125.00' } });
    expect(ran.kept).toBeUndefined();
  },
};

const prepared = async () => (await db.pool.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map((r) => r.name);

describe("the hot path's statement texts", () => {
  it('are the same for every action: repeating each kind of work prepares nothing new', async () => {
    // Twice each: the first prepares, the second finds what a first action of its kind left (an agent seen, a rate limit counted).
    for (let round = 0; round < 2; round++) for (const run of Object.values(work)) await run();
    const warm = await prepared();
    expect(warm.length).toBeGreaterThan(5);

    for (const [kind, run] of Object.entries(work)) {
      for (let i = 0; i < 3; i++) await run();
      expect({ kind, prepared: await prepared() }).toEqual({ kind, prepared: warm });
    }
  });
});
