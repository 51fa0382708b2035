import { createCatalogClassifier, refundSpec, type ToolSpec } from '@airlock/core';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createToolRegistry, defaultActivityDeps, type ToolDefinition } from '@airlock/activities';
import { createAirlockWorker } from '@airlock/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { refundRequest } from '../support/actions.js';
import { temporalTestServerPath } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedTeam } from '../support/harness.js';
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
  bundle = JSON.parse(await readFile(inject('workflowBundlePath'), 'utf8')) as WorkflowBundleWithSourceMap;
});
afterAll(async () => {
  await env?.teardown();
  await database?.drop();
});

async function withWorker<T>(taskQueue: string, fn: () => Promise<T>, tools?: ToolDefinition[]): Promise<T> {
  const deps = defaultActivityDeps(database.db);
  if (tools) {
    const registry = createToolRegistry(tools);
    Object.assign(deps, { tools: registry, classifier: createCatalogClassifier(registry.specs()) });
  }
  const worker = await createAirlockWorker({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue, db: database.db, workflowBundle: bundle, deps });
  return worker.runUntil(fn);
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
    const approval = await database.db.prisma.approval.findUniqueOrThrow({ where: { actionId: outcome.actionId } });
    expect(approval.status).toBe('expired');
    // The deadline recorded is one hour after the request (the policy for the high tier).
    expect(approval.deadline.getTime() - approval.createdAt.getTime()).toBeGreaterThan(59 * 60_000);
    expect(await database.db.prisma.ledgerEntry.count({ where: { idempotencyKey: `${outcome.actionId}:run` } })).toBe(0);
  });

  it('run the tool on timeout when the rule says the timeout outcome is approve', async () => {
    const lenientRefund: ToolSpec = { ...refundSpec, risk: () => ({ tier: 'medium', reasons: ['lenient'], approval: { timeoutOutcome: 'approve', timeoutMs: 5 * 60_000 } }) };
    const { refundTool } = await import('@airlock/activities');
    const tool = { ...refundTool, ...lenientRefund } as ToolDefinition;
    const outcome = await withWorker(
      'deadline-approve',
      async () => {
        const { actionId } = await submitAction(env.client, 'deadline-approve', refundRequest());
        return awaitOutcome(env.client, actionId);
      },
      [tool],
    );
    expect(outcome.status).toBe('executed');
    expect(await database.db.prisma.ledgerEntry.count({ where: { idempotencyKey: `${outcome.actionId}:run` } })).toBe(1);
  });
});
