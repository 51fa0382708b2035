import { actionHandle, awaitOutcome, getActionStatus, submitAction } from '@airlock/core/gateway';
import { createUser } from '@airlock/db';
import { defaultActivityDeps, type PolicySource } from '@airlock/activities';
import { compilePolicy } from '@airlock/policy';
import { createAirlockWorker } from '@airlock/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { refundRequest } from '../support/actions.js';
import { temporalTestServerPath } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { defaultPolicy, seedTeam } from '../support/harness.js';
import { quietTemporalRuntime } from '../support/runtime.js';

// Deadlines are hours long; Temporal's time-skipping test server lets them pass in milliseconds.
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  quietTemporalRuntime();
  const path = temporalTestServerPath();
  env = await TestWorkflowEnvironment.createTimeSkipping(path ? { server: { executable: { type: 'existing-path', path } } } : {});
  database = await createTestDatabase();
  await seedTeam(database.db);
  await createUser(database.db, { id: 'lena', role: 'approver', groups: ['finance-leads'] });
  bundle = JSON.parse(await readFile(inject('workflowBundlePath'), 'utf8')) as WorkflowBundleWithSourceMap;
});
afterAll(async () => {
  await env?.teardown();
  await database?.drop();
});

async function withWorker<T>(taskQueue: string, fn: () => Promise<T>, policy: PolicySource = defaultPolicy()): Promise<T> {
  const deps = defaultActivityDeps(database.db, policy);
  const worker = await createAirlockWorker({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue, db: database.db, workflowBundle: bundle, deps });
  return worker.runUntil(fn);
}

/** A one-rule policy for refunds with the given approval block. */
function refundPolicy(approval: string): PolicySource {
  const policy = compilePolicy(
    `apiVersion: airlock/v1
rules:
  - id: refunds
    tools: [payments.refund]
    tier: medium
    outcome: require_approval
    reason: refunds need a person
    approval: ${approval}
`,
    'deadline-test.yaml',
  );
  return { current: () => policy };
}

describe('approval deadlines', () => {
  it('expire after the deadline with the default deny outcome, audited, and never run the tool', async () => {
    const outcome = await withWorker('deadline-deny', async () => {
      const { actionId } = await submitAction(env.client, 'deadline-deny', refundRequest());
      return awaitOutcome(env.client, actionId);
    });
    expect(outcome).toMatchObject({ status: 'expired', reason: expect.stringMatching(/no decision before the deadline/) });
    const types = (await database.db.prisma.auditEvent.findMany({ where: { actionId: outcome.actionId }, orderBy: { seq: 'asc' } })).map((e) => e.type);
    expect(types).toEqual(['action.requested', 'action.classified', 'approval.opened', 'approval.timed_out', 'action.completed']);
    const approval = await database.db.prisma.approval.findFirstOrThrow({ where: { actionId: outcome.actionId } });
    expect(approval.status).toBe('expired');
    // The deadline recorded is one hour after the request (the policy for the high tier).
    expect(approval.deadline!.getTime() - approval.createdAt.getTime()).toBeGreaterThan(59 * 60_000);
    expect(await database.db.prisma.ledgerEntry.count({ where: { idempotencyKey: `${outcome.actionId}:run` } })).toBe(0);
  });

  it('run the tool on timeout when the rule says the timeout outcome is approve', async () => {
    const outcome = await withWorker(
      'deadline-approve',
      async () => {
        const { actionId } = await submitAction(env.client, 'deadline-approve', refundRequest());
        return awaitOutcome(env.client, actionId);
      },
      refundPolicy('{ deadline: 5m, timeout: approve }'),
    );
    expect(outcome.status).toBe('executed');
    expect(await database.db.prisma.ledgerEntry.count({ where: { idempotencyKey: `${outcome.actionId}:run` } })).toBe(1);
  });

  it('escalate along the chain, widening who may decide, then apply the timeout outcome', async () => {
    const outcome = await withWorker(
      'deadline-escalation',
      async () => {
        const { actionId } = await submitAction(env.client, 'deadline-escalation', refundRequest());
        return awaitOutcome(env.client, actionId);
      },
      refundPolicy('{ group: finance, deadline: 2h, escalation: [{ after: 30m, to: finance-leads }, { after: 1h, to: "role:admin" }] }'),
    );
    expect(outcome.status).toBe('expired');
    const events = await database.db.prisma.auditEvent.findMany({ where: { actionId: outcome.actionId }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => e.type)).toEqual([
      'action.requested',
      'action.classified',
      'approval.opened',
      'approval.escalated',
      'approval.escalated',
      'approval.timed_out',
      'action.completed',
    ]);
    const [first, second] = events.filter((e) => e.type === 'approval.escalated').map((e) => e.payload as { level: number; to: string; eligibleApprovers: string[] });
    // Nobody is in "finance" at first; lena joins at level 1, the admin bob at level 2.
    expect(first).toMatchObject({ level: 1, to: 'finance-leads', eligibleApprovers: ['lena'] });
    expect(second).toMatchObject({ level: 2, to: 'role:admin', eligibleApprovers: ['bob', 'lena'] });
    const approval = await database.db.prisma.approval.findFirstOrThrow({ where: { actionId: outcome.actionId } });
    expect(approval.escalationLevel).toBe(2);
  });

  it('keep waiting past any deadline when the timeout outcome is wait_forever', async () => {
    await withWorker(
      'deadline-forever',
      async () => {
        const { actionId } = await submitAction(env.client, 'deadline-forever', refundRequest());
        await env.sleep('30 days');
        const status = await getActionStatus(env.client, actionId);
        expect(status).toMatchObject({ phase: 'awaiting_approval', approval: { deadline: null } });
        await actionHandle(env.client, actionId).cancel();
        expect(await awaitOutcome(env.client, actionId)).toMatchObject({ status: 'cancelled' });
      },
      refundPolicy('{ timeout: wait_forever }'),
    );
  });
});
