import { randomBytes } from 'node:crypto';
import { PLAN_TOOL } from '@airlock/core';
import { actionHandle, awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createAgent, createDb, migrate, verifyAuditChain, type Db } from '@airlock/db';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { PostgresServer } from '../support/postgres-server.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { activitiesOn, retriedActivities, waitUntil } from './temporal-views.js';

// Three real worker processes (`npm run worker`) share one task queue; one is
// SIGKILLed while it runs tools. The others must finish its work, and every tool
// run, ledger entry and audit row must exist exactly once.
//
// Why this ends in bounded time (workflows/src/activities.ts): the tool runs in
// an activity with heartbeatTimeout 10 s. The worker sends heartbeats at least every
// 3 s (maxHeartbeatThrottleInterval), so the server declares the dead worker's attempt
// timed out at most 10 s after the kill and retries it (initialInterval 1 s) on a live worker.
// Workflow tasks bound to the dead worker's sticky queue move to the shared queue
// after 10 s (the SDK's stickyQueueScheduleToStartTimeout), and a started workflow
// task times out after 10 s. So every action ends within about 10 s + the tool's
// own 8 s after the kill; the timeouts below only bound a hang.

const WORKERS = 3;
const ACTIONS = 20;
// Long enough that tools seen running on the victim are still running when it is killed.
const SLEEP_MS = 8_000;
const REFUND_AMOUNT = '10.00';
const AGENT = 'scale-bot';

let pgServer: PostgresServer;
let db: Db;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];
const taskQueue = `airlock-scale-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  pgServer = await PostgresServer.create();
  const url = await pgServer.createDatabase('airlock');
  await migrate(url);
  db = createDb(url, { poolSize: 4 });
  await createAgent(db, { id: AGENT, team: 'scale', allowedTools: ['demo.*', 'payments.*'] });
  const temporalAddress = inject('temporalAddress');
  workers.push(
    ...(await Promise.all(
      Array.from({ length: WORKERS }, () => startWorkerProcess({ temporalAddress, databaseUrl: url, taskQueue, workflowBundlePath: inject('workflowBundlePath') })),
    )),
  );
  connection = await Connection.connect({ address: temporalAddress });
  client = new Client({ connection });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop('SIGTERM')));
  await connection?.close();
  await db?.close();
  await pgServer?.destroy();
});

/** Half run one slow tool on the fast path; half are plans: the slow tool, then a refund into the ledger. */
function request(index: number) {
  const sleep = { tool: 'demo.sleep', args: { ms: SLEEP_MS } };
  const refund = { tool: 'payments.refund', args: { paymentId: `pay_${index}`, amount: REFUND_AMOUNT, currency: 'USD', reason: 'kill test' } };
  return {
    agentId: AGENT,
    rationale: 'multi-worker kill test',
    idempotencyKey: `scale-${index}`,
    ...(index % 2 === 0 ? sleep : { tool: PLAN_TOOL, args: { steps: [sleep, refund] } }),
  };
}

describe('several worker processes on one task queue', () => {
  it('finishes the work of a SIGKILLed worker on the others, each side effect exactly once', async () => {
    onTestFailed(() => {
      for (const w of workers) console.error(`worker ${w.identity} output:\n${w.output().split('\n').slice(-40).join('\n')}`);
    });
    const submitted = await Promise.all(Array.from({ length: ACTIONS }, (_, i) => submitAction(client, taskQueue, request(i))));
    const ids = submitted.map((s) => s.actionId);
    const plans = new Set(ids.filter((_, i) => i % 2 === 1));

    // Kill only once the victim is provably in the middle of running tools.
    const victim = workers[0]!;
    const onVictim = await waitUntil(
      async () => {
        const running = await activitiesOn(client, ids, victim.identity);
        return running.length > 0 ? running : undefined;
      },
      60_000,
      `a tool running on ${victim.identity}`,
    );
    victim.process.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');

    const outcomes = await Promise.all(ids.map((id) => awaitOutcome(client, id)));
    expect(outcomes.map((o) => o.status)).toEqual(ids.map(() => 'executed'));

    // The victim's attempts timed out and were retried to success by a surviving worker. One seen
    // running may still have finished on the victim between the look and the kill (the look takes a
    // describe per action): such an attempt is its own last one, and is left out.
    let retriedElsewhere = 0;
    for (const { actionId, activityId } of onVictim) {
      const retried = await retriedActivities(actionHandle(client, actionId));
      const attempt = retried.find((a) => a.activityId === activityId);
      expect(attempt, `activity ${activityId} of ${actionId}`).toBeDefined();
      if (attempt!.identity === victim.identity && attempt!.attempt === 1) continue;
      expect(attempt!.attempt).toBeGreaterThanOrEqual(2);
      expect(attempt!.identity).not.toBe(victim.identity);
      expect(attempt!.previousFailure).toMatch(/heartbeat|timeout/i);
      retriedElsewhere++;
    }
    expect(retriedElsewhere).toBeGreaterThan(0);

    // Every action ended once, in the database as in Temporal.
    const rows = await db.prisma.action.findMany({ where: { id: { in: ids } }, select: { id: true, status: true } });
    expect(rows.map((r) => r.status).sort()).toEqual(ids.map(() => 'executed'));
    const completed = await db.prisma.auditEvent.groupBy({ by: ['actionId'], where: { type: 'action.completed', actionId: { in: ids } }, _count: true });
    expect(completed.map((c) => c._count)).toEqual(ids.map(() => 1));

    // One tool-run record per idempotency key, all succeeded, and nothing else.
    const expectedKeys = ids.flatMap((id) => (plans.has(id) ? [`${id}:step:0`, `${id}:step:1`] : [`${id}:run`])).sort();
    const executions = await db.prisma.toolExecution.findMany({ orderBy: { idempotencyKey: 'asc' } });
    expect(executions.map((e) => e.idempotencyKey)).toEqual(expectedKeys);
    expect(new Set(executions.map((e) => e.status))).toEqual(new Set(['succeeded']));
    const succeeded = await db.prisma.auditEvent.count({ where: { type: 'tool.succeeded' } });
    expect(succeeded).toBe(expectedKeys.length);

    // The side effect: exactly one ledger entry per plan, for the refunded amount.
    const ledger = await db.prisma.ledgerEntry.findMany({ orderBy: { idempotencyKey: 'asc' } });
    expect(ledger.map((e) => e.idempotencyKey)).toEqual([...plans].map((id) => `${id}:step:1`).sort());
    expect(ledger.every((e) => e.amount.toFixed(2) === REFUND_AMOUNT)).toBe(true);

    const chain = await verifyAuditChain(db);
    expect(chain).toMatchObject({ ok: true });
  }, 240_000);
});
