import { createActivities, defaultActivityDeps, defineTool, type RunToolInput, type ToolRun } from '@airlock/activities';
import { runIdempotencyKey } from '@airlock/core';
import { verifyAuditChain } from '@airlock/db';
import { ActivityCancellationDetails, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { admissionInput } from '../support/actions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { defaultPolicy, seedTeam } from '../support/harness.js';

// The signal a tool is handed aborts when the workflow cancels the run (a kill switch, an operator), but also when its
// worker shuts down past its grace time, or when the server has given the attempt up (a heartbeat timeout). Only the
// first ends the run `cancelled`; after the others Temporal retries the activity, and the retry must run the tool again
// under the same key, as after a worker that died, not fail the action as cancelled. A tool held open until the test
// lets it go, so the cancellation always lands mid-run.

type CancelReason = NonNullable<Parameters<MockActivityEnvironment['cancel']>[0]>;

/** `demo.held`: runs until released, or throws once its attempt's signal aborts (a tool stopped mid-run). */
class Hold {
  starts = 0;
  entered: Promise<void>;
  private enter!: () => void;
  private letGo!: () => void;
  private readonly released = new Promise<void>((resolve) => (this.letGo = resolve));

  constructor() {
    this.entered = new Promise((resolve) => (this.enter = resolve));
  }

  release(): void {
    this.letGo();
  }

  async run(signal: AbortSignal): Promise<void> {
    this.starts++;
    this.enter();
    await new Promise<void>((resolve, reject) => {
      const stop = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      if (signal.aborted) return stop();
      signal.addEventListener('abort', stop, { once: true });
      void this.released.then(resolve);
    });
  }
}

let hold = new Hold();
const heldTool = defineTool({
  name: 'demo.held',
  description: 'test tool: runs until the test releases it',
  args: z.object({ id: z.string() }).strict(),
  execute: async ({ id }, { signal }) => {
    await hold.run(signal);
    return { id };
  },
});

/** `demo.stuck`: never ends and never looks at its signal (a pack's tool that hangs); keeps the signal it was handed. */
const stuck = { starts: 0, signal: undefined as AbortSignal | undefined };
const stuckTool = defineTool({
  name: 'demo.stuck',
  description: 'test tool: never ends',
  args: z.object({ id: z.string() }).strict(),
  execute: (_args, { signal }) => {
    stuck.starts++;
    stuck.signal = signal;
    return new Promise<never>(() => undefined);
  },
});

/** The limit the activities of `limited` stop a run at, instead of TOOL_RUN_STOP_MS (4 min 20 s). */
const LIMIT_MS = 300;

let database: TestDatabase;
let activities: ReturnType<typeof createActivities>;
let limited: ReturnType<typeof createActivities>;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedTeam(database.db);
  activities = createActivities(defaultActivityDeps(database.db, defaultPolicy(), [heldTool, stuckTool]));
  limited = createActivities({ ...defaultActivityDeps(database.db, defaultPolicy(), [heldTool, stuckTool]), toolRunLimitMs: LIMIT_MS });
});
afterAll(async () => {
  await database?.drop();
});

let serial = 0;

/** `fn` as one Temporal attempt, in `env`'s activity context (runTool heartbeats through it, and learns of a cancellation). */
const attemptIn = <T>(env: MockActivityEnvironment, fn: () => Promise<T>) => env.run<[], T, () => Promise<T>>(fn);

/** `tool` admitted (no rule covers it: round 1 opens) and the run the workflow schedules once alice approves. */
async function approvedRun(tool = 'demo.held'): Promise<RunToolInput> {
  const id = `held-${++serial}`;
  const admitted = admissionInput('interrupted-run', { agentId: 'billing-bot', tool, args: { id }, rationale: 'test', idempotencyKey: id });
  const { opened } = await attemptIn(new MockActivityEnvironment(), () => activities.admitAndRun(admitted));
  expect(opened).toBeDefined();
  const { actionId, argsHash } = admitted;
  const decision = { approverId: 'alice', decision: 'approve' as const, channel: 'api' as const, round: 1, decidedAt: new Date().toISOString() };
  const approvalId = opened!.approvalId;
  return {
    actionId,
    tool,
    args: { id },
    idempotencyKey: runIdempotencyKey(actionId),
    completion: { kind: 'in_run', hold: null },
    agentId: 'billing-bot',
    recheck: { input: admitted, budgetHolder: actionId },
    settledRound: {
      decisions: [{ actionId, approvalId, round: 1, argsHash, decision }],
      close: { actionId, approvalId, round: 1, closure: 'approved', reason: 'approved' },
    },
  };
}

/** How an attempt ended: its failure (class, type, message, retried or not), or its answer. */
async function ending(attempt: Promise<ToolRun>) {
  try {
    return { answered: await attempt };
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    return {
      failure: error.constructor.name,
      type: error instanceof ApplicationFailure ? error.type : undefined,
      nonRetryable: error instanceof ApplicationFailure ? error.nonRetryable : undefined,
      message: error.message,
    };
  }
}

/** Runs one attempt, cancelled with `reason` once the tool is running. */
async function cancelledAttempt(run: RunToolInput, reason?: CancelReason, details?: ActivityCancellationDetails) {
  const env = new MockActivityEnvironment();
  const attempt = ending(attemptIn(env, () => activities.runTool(run)));
  await hold.entered;
  env.cancel(reason, details);
  return attempt;
}

async function rowsFor(actionId: string) {
  const { db } = database;
  return {
    runs: (await db.prisma.toolExecution.findMany({ where: { actionId } })).map((r) => r.status),
    action: (await db.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).status,
    audit: (await db.prisma.auditEvent.findMany({ where: { actionId, type: { startsWith: 'tool.' } }, orderBy: { seq: 'asc' } })).map((e) => e.type),
  };
}

describe('a tool run whose attempt is aborted without a cancellation', () => {
  it.each<[string, CancelReason, ActivityCancellationDetails]>([
    ['its worker shutting down past the grace time', 'WORKER_SHUTDOWN', new ActivityCancellationDetails({ workerShutdown: true })],
    ['a heartbeat timeout the server reports', 'TIMED_OUT', new ActivityCancellationDetails({ timedOut: true })],
    ['the server no longer knowing the attempt', 'NOT_FOUND', new ActivityCancellationDetails({ notFound: true })],
  ])('stays running after %s, and its retry runs the tool to success', async (_, reason, details) => {
    hold = new Hold();
    const run = await approvedRun();

    const first = await cancelledAttempt(run, reason, details);
    // Retryable: Temporal schedules the next attempt; nothing recorded the run as ended.
    expect(first).toMatchObject({ type: 'ToolInterrupted', nonRetryable: false, message: expect.stringContaining(reason) });
    expect(await rowsFor(run.actionId)).toEqual({ runs: ['running'], action: 'running', audit: ['tool.started'] });

    hold.release();
    const retry = await ending(attemptIn(new MockActivityEnvironment({ attempt: 2 }), () => activities.runTool(run)));
    expect(retry).toEqual({ answered: { output: { id: run.args.id } } });
    expect(hold.starts).toBe(2);
    expect(await rowsFor(run.actionId)).toEqual({ runs: ['succeeded'], action: 'executed', audit: ['tool.started', 'tool.succeeded'] });
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });
});

describe('a tool run whose cancellation the workflow requested', () => {
  it('ends cancelled, and a retry answers with that', async () => {
    hold = new Hold();
    const run = await approvedRun();

    // The SDK's cancellation as the server delivers it when the workflow cancels the activity.
    const first = await cancelledAttempt(run, 'CANCELLED', new ActivityCancellationDetails({ cancelRequested: true }));
    expect(first).toMatchObject({ failure: CancelledFailure.name });
    expect(await rowsFor(run.actionId)).toMatchObject({ runs: ['cancelled'], audit: ['tool.started', 'tool.cancelled'] });

    hold.release();
    const retry = await ending(attemptIn(new MockActivityEnvironment({ attempt: 2 }), () => activities.runTool(run)));
    expect(retry).toMatchObject({ type: 'ToolCancelled', nonRetryable: true });
    expect(hold.starts).toBe(1);
  });
});

// A tool pack's tool need not bound itself as the built-in ones do (TOOL_RUN_MAX_MS): one that hangs held its attempt
// until the executor's 5-minute timeout, and Temporal retried it, running the tool again, for ever.
describe('a tool run past its time limit', () => {
  it('is stopped: its signal aborts, the run ends failed without retry, and a retry answers with that', async () => {
    const run = await approvedRun('demo.stuck');

    const first = await ending(attemptIn(new MockActivityEnvironment(), () => limited.runTool(run)));
    expect(first).toMatchObject({ type: 'ToolOverran', nonRetryable: true, message: expect.stringContaining(`ran longer than ${LIMIT_MS} ms`) });
    expect(stuck.signal?.aborted).toBe(true);
    expect(await rowsFor(run.actionId)).toMatchObject({ runs: ['failed'], audit: ['tool.started', 'tool.failed'] });
    const failed = await database.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId: run.actionId, type: 'tool.failed' } });
    expect(failed.payload).toMatchObject({ tool: 'demo.stuck', error: expect.stringContaining('was stopped, without retry') });

    const retry = await ending(attemptIn(new MockActivityEnvironment({ attempt: 2 }), () => limited.runTool(run)));
    expect(retry).toMatchObject({ type: 'ToolFailed', nonRetryable: true, message: expect.stringContaining(`ran longer than ${LIMIT_MS} ms`) });
    expect(stuck.starts).toBe(1);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });

  it('a run that ends inside the limit is not touched by it', async () => {
    hold = new Hold();
    const run = await approvedRun();
    const attempt = ending(attemptIn(new MockActivityEnvironment(), () => limited.runTool(run)));
    await hold.entered;
    hold.release();
    expect(await attempt).toEqual({ answered: { output: { id: run.args.id } } });
    expect(await rowsFor(run.actionId)).toEqual({ runs: ['succeeded'], action: 'executed', audit: ['tool.started', 'tool.succeeded'] });
  });
});
