import { randomUUID } from 'node:crypto';
import { getOutcome, type ApiContext } from '@airlock/console';
import { actionHandle, awaitOutcome, decideAction, submitAction } from '@airlock/core/gateway';
import { activeSuspension, createAgent, createBudget, createDb, holdStartGate, inTransaction } from '@airlock/db';
import { suspendAndCancel, userOperator } from '@airlock/ops';
import { InterceptingCall, status as grpcStatus, type Interceptor } from '@grpc/grpc-js';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiRequest, contextOf, seedKeys, type ApiKeys } from '../api/client.js';
import { admissionInput, refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { inFlightAtSwitch } from '../support/kill-switch-order.js';
import { startHarness, type Harness } from '../support/harness.js';
import { seededActivities } from '../support/seeded-activities.js';

// Issue 11, items 2, 3, 5 and 8: the kill switch never rewrites a recorded
// outcome, a run starts before a kill switch or not at all, a budget created
// while an action waits applies at the re-check, and the outcome long poll ends
// at waitMs even when a retried gRPC attempt swallowed the abort.

let h: Harness;
let ctx: ApiContext;
let keys: ApiKeys;
const admin = userOperator({ id: 'bob', role: 'admin' }, 'api');

beforeAll(async () => {
  h = await startHarness();
  ctx = contextOf(h);
  keys = await seedKeys(h.db);
});
afterAll(async () => {
  await h?.close();
});

const auditTypes = async (actionId: string) => (await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } })).map((e) => e.type);
const actionRow = (actionId: string) => h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId }, select: { status: true, outcome: true } });

describe('outcomes are immutable (item 2)', () => {
  it('the database refuses to rewrite a recorded outcome, and a late completion reports the recorded one', async () => {
    const done = await submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'x' }, idempotencyKey: 'immutable-1' });
    expect((await awaitOutcome(h.client, done.actionId)).status).toBe('executed');

    // Any path, even raw SQL, is refused by the trigger.
    await expect(h.db.pool.query(`UPDATE actions SET status = 'cancelled', outcome = '{"status":"cancelled"}' WHERE id = $1`, [done.actionId])).rejects.toThrow(
      /outcome \(executed\) is recorded and never changes/,
    );
    // The workflow's own completion step (as the kill switch's cancel path runs it) keeps the recorded outcome and hands it back.
    const activities = seededActivities(h.db).activities;
    const kept = await activities.completeAction({
      outcome: { status: 'cancelled', actionId: done.actionId, reason: 'by the kill switch' },
      hold: null,
    });
    expect(kept).toMatchObject({ status: 'executed', actionId: done.actionId });
    expect(await actionRow(done.actionId)).toMatchObject({ status: 'executed', outcome: { status: 'executed' } });
    expect((await auditTypes(done.actionId)).filter((t) => t === 'action.completed')).toHaveLength(1);
  });
});

describe('the kill switch against a tool start (item 3)', () => {
  it('a run claimed after the switch is refused at its start, and never runs', async () => {
    await createAgent(h.db, { id: 'start-bot', team: 'start', allowedTools: ['payments.*'] });
    const pending = await submitAndWaitForApproval(h.client, h.taskQueue, { ...refundRequest({ amount: '70.00' }), agentId: 'start-bot' });
    await suspendAndCancel({ db: h.db, temporal: h.client }, admin, { scope: 'agent', target: 'start-bot', reason: 'incident 7' });
    const activities = seededActivities(h.db).activities;
    const run = new MockActivityEnvironment().run((input: Parameters<typeof activities.runTool>[0]) => activities.runTool(input), {
      actionId: pending.actionId,
      tool: 'payments.refund',
      args: { paymentId: 'pay_123', amount: '70.00', currency: 'USD', reason: 'duplicate charge' },
      idempotencyKey: `${pending.actionId}:run`,
      agentId: 'start-bot',
    });
    await expect(run).rejects.toSatisfy((e) => e instanceof ApplicationFailure && e.type === 'KillSwitch' && /kill switch \(agent start-bot\)/.test(e.message));
    expect(await h.db.prisma.toolExecution.count({ where: { actionId: pending.actionId } })).toBe(0);
    expect(await h.db.prisma.ledgerEntry.count({ where: { idempotencyKey: `${pending.actionId}:run` } })).toBe(0);
  });

  it('a run handed a re-check without its agent is refused before any write, without retry', async () => {
    const request = refundRequest({ amount: '70.00' });
    const pending = await submitAndWaitForApproval(h.client, h.taskQueue, request);
    const activities = seededActivities(h.db).activities;
    const run = new MockActivityEnvironment().run((input: Parameters<typeof activities.runTool>[0]) => activities.runTool(input), {
      actionId: pending.actionId,
      tool: 'payments.refund',
      args: request.args,
      idempotencyKey: `${pending.actionId}:run`,
      recheck: { input: admissionInput(h.taskQueue, request), budgetHolder: 'billing-bot' },
    });
    await expect(run).rejects.toSatisfy((e) => e instanceof ApplicationFailure && e.type === 'MalformedRun' && e.nonRetryable === true);
    expect(await h.db.prisma.toolExecution.count({ where: { actionId: pending.actionId } })).toBe(0);
    expect(await auditTypes(pending.actionId)).not.toContain('tool.started');
  });

  it('a switch waits for a start in flight, and its reply lists that run as started before it', async () => {
    await createAgent(h.db, { id: 'gate-bot', team: 'gate', allowedTools: ['payments.*'] });
    const pending = await submitAndWaitForApproval(h.client, h.taskQueue, { ...refundRequest({ amount: '70.00' }), agentId: 'gate-bot' });
    // A tool start holding the gate (checked the switch, about to claim): the switch must queue behind it.
    let releaseStart!: () => void;
    const startHeld = new Promise<void>((resolve) => (releaseStart = resolve));
    let gateTaken!: () => void;
    const taken = new Promise<void>((resolve) => (gateTaken = resolve));
    const start = inTransaction(h.db, async (client) => {
      await holdStartGate(client);
      gateTaken();
      await startHeld;
      await client.query(`INSERT INTO tool_executions (idempotency_key, action_id, tool, status) VALUES ($1, $2, 'payments.refund', 'running')`, [
        `${pending.actionId}:run`,
        pending.actionId,
      ]);
    });
    await taken;
    const switched = suspendAndCancel({ db: h.db, temporal: h.client }, admin, { scope: 'agent', target: 'gate-bot', reason: 'incident 8' });
    // The switch is blocked on the gate (seen in pg_locks, not by timing).
    await expect
      .poll(
        async () =>
          (
            await h.db.pool.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())`,
            )
          ).rows[0]!.n,
        {
          timeout: 20_000,
        },
      )
      .toBeGreaterThan(0);
    releaseStart();
    await start;
    const result = await switched;
    expect(result.cancelledActions).toEqual([pending.actionId]);
    expect(result.startedBeforeSwitch).toEqual([pending.actionId]);
  });

  it('lists a run in flight at its commit as started before it, even when the run finishes before the reply', async () => {
    await createAgent(h.db, { id: 'finish-bot', team: 'finish', allowedTools: ['demo.*'] });
    // A run claimed before the switch (status and execution row, as recordToolStart claims it); no workflow is
    // behind it, as none is once a run has finished: the switch's cancel finds nothing to stop.
    const actionId = randomUUID();
    await h.db.prisma.action.create({
      data: { id: actionId, agentId: 'finish-bot', tool: 'demo.echo', args: {}, argsHash: 'h', rationale: '', idempotencyKey: actionId, workflowId: actionId, status: 'running' },
    });
    await h.db.pool.query(`INSERT INTO tool_executions (idempotency_key, action_id, tool, status) VALUES ($1, $2, 'demo.echo', 'running')`, [`${actionId}:run`, actionId]);
    const activities = seededActivities(h.db).activities;

    // The switch gets a pool of one connection, handed out first come first served (pg-pool's queue). The test
    // holds it until the switch queues for it, then queues behind the switch: it gets the connection back right
    // after the switch's commit, and whatever the switch reads after its commit waits until the test lets go.
    const switchDb = createDb(h.database.url, { poolSize: 1 });
    try {
      const held = await switchDb.pool.connect();
      const switched = suspendAndCancel({ db: switchDb, temporal: h.client }, admin, { scope: 'agent', target: 'finish-bot', reason: 'incident 9' });
      await expect.poll(() => switchDb.pool.waitingCount, { timeout: 20_000 }).toBe(1);
      const afterCommit = switchDb.pool.connect();
      held.release();
      const between = await afterCommit;
      // The switch has committed and not yet replied: now the run finishes, through the workflow's completion step.
      expect(await activeSuspension(h.db, { agentId: 'finish-bot', team: 'finish' })).toMatchObject({ reason: 'incident 9' });
      await activities.completeAction({ outcome: { status: 'executed', actionId, output: { message: 'done' } }, hold: null });
      between.release();

      const result = await switched;
      expect(result.startedBeforeSwitch).toEqual([actionId]);
      expect(result.cancelledActions).toEqual([]);
      expect(await actionRow(actionId)).toMatchObject({ status: 'executed' });
    } finally {
      await switchDb.close();
    }
  });

  it('races approvals against the kill switch: a run starts before the switch or never, and no outcome is rewritten', async () => {
    const trials = 6;
    for (let i = 0; i < trials; i++) {
      const agentId = `race-bot-${i}`;
      await createAgent(h.db, { id: agentId, team: `race-${i}`, allowedTools: ['payments.*'] });
      const pending = await submitAndWaitForApproval(h.client, h.taskQueue, { ...refundRequest({ amount: '65.00' }), agentId });
      const decided = decideAction(h.client, pending.actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash: pending.argsHash }).then(
        () => 'recorded' as const,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      // Staggered so some trials let the run start first and some the switch.
      await new Promise((resolve) => setTimeout(resolve, i * 15));
      const switched = await suspendAndCancel({ db: h.db, temporal: h.client }, admin, { scope: 'agent', target: agentId, reason: `race ${i}` });
      const answer = await decided;
      const outcome = await awaitOutcome(h.client, pending.actionId);
      const row = await actionRow(pending.actionId);
      const audit = (
        await h.db.prisma.auditEvent.findMany({
          where: { OR: [{ actionId: pending.actionId }, { type: 'kill_switch.on', payload: { path: ['target'], equals: agentId } }] },
          orderBy: { seq: 'asc' },
        })
      ).map((e) => e.type);
      const ledger = await h.db.prisma.ledgerEntry.count({ where: { idempotencyKey: `${pending.actionId}:run` } });
      const started = audit.includes('tool.started');

      // Temporal and the database tell the same story.
      expect(row.status, `trial ${i}`).toBe(outcome.status);
      // A decision that was recorded answers success (never 'try again').
      if (audit.includes('approval.decision')) expect(answer, `trial ${i}`).toBe('recorded');
      if (started) {
        // It started before the switch; still in flight at the switch, the switch said so.
        expect(audit.indexOf('tool.started'), `trial ${i}`).toBeLessThan(audit.indexOf('kill_switch.on'));
        if (inFlightAtSwitch(audit)) expect(switched.startedBeforeSwitch, `trial ${i}`).toEqual([pending.actionId]);
        else expect([[], [pending.actionId]], `trial ${i}`).toContainEqual(switched.startedBeforeSwitch);
      } else {
        expect(switched.startedBeforeSwitch, `trial ${i}`).toEqual([]);
        expect(ledger, `trial ${i}`).toBe(0);
      }
      // Money moved means executed, never cancelled.
      if (ledger > 0) expect(outcome.status, `trial ${i}`).toBe('executed');
      if (outcome.status === 'cancelled') expect(audit.includes('tool.succeeded'), `trial ${i}`).toBe(false);
      expect(
        audit.filter((t) => t === 'action.completed'),
        `trial ${i}`,
      ).toHaveLength(1);
    }
  }, 240_000);
});

describe('a budget created while an action waits (item 5)', () => {
  it('is applied at the re-check: the refund is denied when it would exceed the new budget', async () => {
    await createAgent(h.db, { id: 'late-budget-bot', team: 'late-a', allowedTools: ['payments.*'] });
    const pending = await submitAndWaitForApproval(h.client, h.taskQueue, { ...refundRequest({ amount: '80.00' }), agentId: 'late-budget-bot' });
    await createBudget(h.db, { scope: 'team', target: 'late-a', period: 'day', currency: 'USD', limit: '50.00' });
    await decideAction(h.client, pending.actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash: pending.argsHash });
    expect(await awaitOutcome(h.client, pending.actionId)).toMatchObject({
      status: 'denied',
      reason: expect.stringMatching(/re-check before running failed: budget: .*late-a.*would exceed its limit/),
    });
    expect(await h.db.prisma.ledgerEntry.count({ where: { idempotencyKey: `${pending.actionId}:run` } })).toBe(0);
    const usage = await h.db.prisma.budgetUsage.findMany({ where: { budget: { target: 'late-a' } } });
    expect(usage.map((u) => [u.spent.toFixed(2), u.reserved.toFixed(2)])).toEqual(usage.length ? [['0.00', '0.00']] : []);
  });

  it('is reserved at the re-check and committed when the refund runs (also for gate-only actions)', async () => {
    await createAgent(h.db, { id: 'late-budget-bot-2', team: 'late-b', allowedTools: ['payments.*'] });
    const pending = await submitAndWaitForApproval(h.client, h.taskQueue, { ...refundRequest({ amount: '80.00' }), agentId: 'late-budget-bot-2' });
    await createBudget(h.db, { scope: 'team', target: 'late-b', period: 'day', currency: 'USD', limit: '500.00' });
    await decideAction(h.client, pending.actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash: pending.argsHash });
    expect((await awaitOutcome(h.client, pending.actionId)).status).toBe('executed');
    const usage = await h.db.prisma.budgetUsage.findFirstOrThrow({ where: { budget: { target: 'late-b' } } });
    expect({ spent: usage.spent.toFixed(2), reserved: usage.reserved.toFixed(2) }).toEqual({ spent: '80.00', reserved: '0.00' });

    // Gate-only: the agent runs the tool; the re-check reserves, the expired authorization releases.
    await createAgent(h.db, { id: 'late-budget-bot-3', team: 'late-c', allowedTools: ['payments.*'] });
    const gated = await submitAndWaitForApproval(h.client, h.taskQueue, { ...refundRequest({ amount: '80.00' }), agentId: 'late-budget-bot-3', execution: 'agent' });
    await createBudget(h.db, { scope: 'team', target: 'late-c', period: 'day', currency: 'USD', limit: '50.00' });
    await decideAction(h.client, gated.actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash: gated.argsHash });
    expect(await awaitOutcome(h.client, gated.actionId)).toMatchObject({ status: 'denied', reason: expect.stringMatching(/budget: .*late-c/) });
  });
});

// The codes @temporalio/client's retry interceptor retries (grpc-retry.js; INTERNAL sometimes).
const RETRIED: ReadonlySet<number> = new Set([
  grpcStatus.UNKNOWN,
  grpcStatus.RESOURCE_EXHAUSTED,
  grpcStatus.UNAVAILABLE,
  grpcStatus.ABORTED,
  grpcStatus.DATA_LOSS,
  grpcStatus.OUT_OF_RANGE,
  grpcStatus.INTERNAL,
]);

describe('the outcome long poll (item 8)', () => {
  it('answers pending at waitMs even when a retried attempt swallowed the abort (as after a restart)', async () => {
    const pending = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    // The first history long poll ends as UNAVAILABLE (a server coming back after a crash):
    // the SDK's retry interceptor sends a new attempt that an abort signal never reaches.
    let failed = false;
    const unavailableOnce: Interceptor = (options, nextCall) => {
      const path = options.method_definition.path;
      if (failed || !path.endsWith('/GetWorkflowExecutionHistory')) return new InterceptingCall(nextCall(options));
      failed = true;
      return new InterceptingCall(nextCall(options), {
        start(metadata, listener, next) {
          next(metadata, { onReceiveStatus: (status, pass) => pass({ ...status, code: grpcStatus.UNAVAILABLE, details: 'server restarting' }) });
        },
      });
    };
    // The attempts that reach the server, and whether the last one ended the chain (nothing asks again).
    let inFlight = 0;
    let settled = false;
    const attempts: Interceptor = (options, nextCall) => {
      if (!options.method_definition.path.endsWith('/GetWorkflowExecutionHistory')) return new InterceptingCall(nextCall(options));
      inFlight++;
      settled = false;
      return new InterceptingCall(nextCall(options), {
        start(metadata, listener, next) {
          next(metadata, {
            onReceiveStatus: (status, pass) => {
              inFlight--;
              // OK: result() asks again (the workflow is still open); a retryable code: the retry interceptor does.
              // Anything else (the deadline, a cancel) ends the chain.
              settled = status.code !== grpcStatus.OK && !RETRIED.has(status.code);
              pass(status);
            },
          });
        },
      });
    };
    const connection = await Connection.connect({
      address: inject('temporalAddress'),
      // Outside unavailableOnce: `attempts` sees the status the retry interceptor acts on.
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), attempts, unavailableOnce],
    });
    try {
      const restarted: ApiContext = { ...ctx, temporal: new Client({ connection }) };
      const response = await getOutcome(apiRequest(`/api/v1/actions/${pending.actionId}/outcome?waitMs=1000`, { key: keys.agent }), restarted, { id: pending.actionId });
      expect(failed).toBe(true);
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ status: 'pending', actionId: pending.actionId });
    } finally {
      // The answer does not wait for the retried long poll, nor for result()'s next ones (they end by the gRPC deadline,
      // after the wait). Closed under them, the connection made the next attempt throw "Channel has been shut down"
      // from a timer: an uncaught error in the run. So close once the chain has ended.
      while (inFlight > 0 || !settled) await new Promise((resolve) => setTimeout(resolve, 50));
      await connection.close();
    }
    await actionHandle(h.client, pending.actionId).cancel();
  }, 45_000);
});
