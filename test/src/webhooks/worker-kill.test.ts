import { randomBytes } from 'node:crypto';
import { createWebhook, removeWebhook, runUseCase, type Operator } from '@airlock/ops';
import { WebhookDispatcher } from '@airlock/webhooks';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { deliveryRow, queueEvent, type QueuedDelivery } from './queued.js';
import { webhookTestBed } from './test-bed.js';

// Webhook deliveries across the death of the process that dispatches them. In production every worker process
// (`npm run worker`, apps/worker/src/main.ts; startSupervisedWorker) runs a dispatcher: here a real one is SIGKILLed, or
// stopped by SIGTERM (a rolling restart), while the receiver holds a request it was sent whole, and the webhook is then
// removed. The receiver may have taken that request, so the delivery must end cancelled with its answer unknown, audited
// once, never as plainly cancelled, and never be sent again. A delivery whose request never left ends plainly cancelled.
//
// The worker process runs the default request timeout (10 s: a 30 s lease); the dispatcher started after it is one in
// this process with a small answer grace (DispatcherOptions.answerGraceMs, which the worker's environment does not set).

const bed = webhookTestBed();
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };
/** An upper bound, not a speed check: a worker process's start (tsx compiling it) and the 30 s lease it leaves. */
const PROCESS_TEST_TIMEOUT_MS = 600_000;
/** How long a wait on the database may take before the test fails saying what never happened. */
const WAIT_MS = 180_000;
/** The grace of the dispatcher started after the worker: past the dead worker's lease, the rest is not waited for. */
const ANSWER_GRACE_MS = 200;

let worker: WorkerProcess | undefined;
let restarted: WebhookDispatcher | undefined;
const allowLoopback = process.env.AIRLOCK_WEBHOOKS_ALLOW_LOOPBACK;

beforeAll(() => {
  // The worker process inherits this process's environment: its dispatcher may reach the receiver on loopback.
  process.env.AIRLOCK_WEBHOOKS_ALLOW_LOOPBACK = 'true';
});

afterEach(async () => {
  await worker?.stop('SIGKILL');
  worker = undefined;
  await restarted?.stop();
  restarted = undefined;
  bed.receiver.hold = false;
  bed.receiver.dropHeld();
});

afterAll(() => {
  if (allowLoopback === undefined) delete process.env.AIRLOCK_WEBHOOKS_ALLOW_LOOPBACK;
  else process.env.AIRLOCK_WEBHOOKS_ALLOW_LOOPBACK = allowLoopback;
});

async function startWorker(): Promise<WorkerProcess> {
  worker = await startWorkerProcess({
    temporalAddress: inject('temporalAddress'),
    databaseUrl: bed.t.url,
    taskQueue: `airlock-webhook-kill-${randomBytes(4).toString('hex')}`,
    workflowBundlePath: inject('workflowBundlePath'),
  });
  const started = worker;
  onTestFailed(() => console.error(`worker ${started.identity} output:\n${started.output().split('\n').slice(-60).join('\n')}`));
  return started;
}

async function newWebhook(): Promise<string> {
  return (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events: ['action.executed'] })).webhook.id;
}

const remove = (webhookId: string) => runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId });

/** Polls until `find` returns a value; the bound only turns a hang into a failure naming what never happened. */
async function eventually<T>(what: string, find: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${worker ? `; the worker's output:\n${worker.output()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether the delivery is held by an attempt (its lease) and the attempts it counts. */
async function claimOf(id: string) {
  const { rows } = await bed.t.db.pool.query<{ status: string; attempts: number; leased: boolean; last_error: string | null }>(
    'SELECT status, attempts, leased_until IS NOT NULL AS leased, last_error FROM webhook_deliveries WHERE id = $1',
    [id],
  );
  return rows[0]!;
}

const cancelAudits = async (deliveryId: string) =>
  (await bed.t.db.prisma.auditEvent.findMany({ where: { type: 'webhook.delivery_cancelled' }, orderBy: { seq: 'asc' }, select: { payload: true } }))
    .map((row) => row.payload as Record<string, unknown>)
    .filter((payload) => payload.deliveryId === deliveryId);

/** Requests the receiver answered for the event (the held one is not among them). */
const answeredFor = (delivery: QueuedDelivery) => bed.receiver.received.filter((r) => r.headers['webhook-id'] === delivery.eventId);

/** A new webhook's delivery, sent whole by the worker process's dispatcher and held by the receiver, unanswered. */
async function heldByTheReceiver(): Promise<{ webhookId: string; delivery: QueuedDelivery }> {
  const webhookId = await newWebhook();
  bed.receiver.hold = true;
  const delivery = await queueEvent(bed.t.db, webhookId);
  await bed.receiver.waitFor('the request held by the receiver', () => (bed.receiver.heldCount === 1 ? true : undefined), WAIT_MS);
  return { webhookId, delivery };
}

/** The dispatcher started after the worker's death, with a small grace, until the delivery is no longer pending. */
async function restartUntilEnded(delivery: QueuedDelivery) {
  restarted = new WebhookDispatcher({
    db: bed.t.db,
    logger: { info: () => undefined, warn: () => undefined },
    allowLoopback: true,
    pollIntervalMs: 100,
    answerGraceMs: ANSWER_GRACE_MS,
  });
  restarted.start();
  const row = await eventually('the delivery to end', async () => {
    const current = await deliveryRow(bed.t.db, delivery.id);
    return current.status === 'pending' ? undefined : current;
  });
  // One more pass after it ended: nothing more is sent or audited.
  await restarted.stop();
  restarted = undefined;
  await new WebhookDispatcher({ db: bed.t.db, logger: { info: () => undefined, warn: () => undefined }, allowLoopback: true, answerGraceMs: ANSWER_GRACE_MS }).runOnce();
  return row;
}

/** What a delivery whose request went out whole and whose answer was never recorded must end as. */
async function expectAnswerUnknown(delivery: QueuedDelivery, row: Awaited<ReturnType<typeof deliveryRow>>) {
  expect(row).toMatchObject({ status: 'cancelled', attempts: 1, last_status: null });
  expect(row.last_error).toMatch(/^answer unknown: attempt 1 went out/);
  expect(await deliveryRow(bed.t.db, delivery.id)).toEqual(row);
  expect(await cancelAudits(delivery.id)).toMatchObject([{ attempts: 1, answerUnknown: true, lastStatus: null }]);
  // Sent once (the request the receiver held), never again.
  expect(answeredFor(delivery)).toEqual([]);
}

describe('a worker process dispatching webhooks dies, then the webhook is removed', () => {
  it(
    'SIGKILLed while the receiver holds the request: the removal counts it in flight, the next dispatcher cancels it once with its answer unknown',
    async () => {
      await startWorker();
      const { webhookId, delivery } = await heldByTheReceiver();
      const status = await worker!.stop('SIGKILL');
      expect(status).toMatchObject({ signal: 'SIGKILL' });
      worker = undefined;
      bed.receiver.hold = false;
      bed.receiver.dropHeld();
      // Killed before the worker's request limit ran out: the attempt counted, its lease held, no answer recorded.
      expect(await claimOf(delivery.id)).toEqual({ status: 'pending', attempts: 1, leased: true, last_error: null });

      expect(await remove(webhookId)).toMatchObject({ cancelledDeliveries: 0, inFlightDeliveries: 1 });
      await expectAnswerUnknown(delivery, await restartUntilEnded(delivery));
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'SIGKILLed before the request was sent: the removal cancels it as never sent, and nothing is delivered',
    async () => {
      await startWorker();
      // The worker's batch waits on the held request: a delivery queued behind it is not claimed, nor sent, before the kill.
      const held = await heldByTheReceiver();
      const webhookId = await newWebhook();
      const delivery = await queueEvent(bed.t.db, webhookId);
      await worker!.stop('SIGKILL');
      worker = undefined;
      bed.receiver.hold = false;
      bed.receiver.dropHeld();
      expect(await claimOf(delivery.id)).toEqual({ status: 'pending', attempts: 0, leased: false, last_error: null });

      expect(await remove(webhookId)).toMatchObject({ cancelledDeliveries: 1, inFlightDeliveries: 0 });
      expect(await deliveryRow(bed.t.db, delivery.id)).toEqual({ status: 'cancelled', attempts: 0, last_status: null, last_error: null });
      // The next dispatcher leaves it so (the removal's own audit row counted it), and sends nothing. (The held request's
      // webhook is removed too: its delivery is the first test's case, not waited for here.)
      await remove(held.webhookId);
      await new WebhookDispatcher({ db: bed.t.db, logger: { info: () => undefined, warn: () => undefined }, allowLoopback: true, answerGraceMs: ANSWER_GRACE_MS }).runOnce();
      expect(await deliveryRow(bed.t.db, delivery.id)).toEqual({ status: 'cancelled', attempts: 0, last_status: null, last_error: null });
      expect(await cancelAudits(delivery.id)).toEqual([]);
      expect([...answeredFor(delivery), ...answeredFor(held.delivery)]).toEqual([]);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'stopped by SIGTERM (a rolling restart) while the receiver holds the request: the removal counts it in flight, and it ends with its answer unknown',
    async () => {
      await startWorker();
      const { webhookId, delivery } = await heldByTheReceiver();
      const status = await worker!.stop('SIGTERM');
      expect(status).toMatchObject({ code: 0 });
      expect(worker!.output()).toMatch(/stopped webhook dispatcher/);
      worker = undefined;
      bed.receiver.hold = false;
      bed.receiver.dropHeld();
      // The stop gave the attempt back (a live webhook's next worker would take it at once), its lease kept.
      expect(await claimOf(delivery.id)).toEqual({ status: 'pending', attempts: 0, leased: true, last_error: null });

      expect(await remove(webhookId)).toMatchObject({ cancelledDeliveries: 0, inFlightDeliveries: 1 });
      await expectAnswerUnknown(delivery, await restartUntilEnded(delivery));
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});
