import { createWebhook, removeWebhook, runUseCase, type Operator } from '@airlock/ops';
import { WebhookDispatcher } from '@airlock/webhooks';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryRow, queueEvent, type QueuedDelivery } from './queued.js';
import { spiedDb, type SpiedDb } from './sql-spy.js';
import { webhookTestBed } from './test-bed.js';
import { until } from './until.js';

// The dispatcher's cancel of a removed webhook's retries (the retry an attempt in flight at the removal led to): it runs
// before every claim, about once a second per worker, and almost always finds nothing. A plain read looks first; only
// what it finds opens a transaction, which must still cancel and audit each delivery once when two dispatchers race.

const bed = webhookTestBed();
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };
const opened: Array<SpiedDb | pg.Client> = [];

afterEach(async () => {
  // Clients first: ending one ends its transaction and frees a pass it held (after a failure), so the pools can close.
  const each = opened.splice(0);
  for (const c of each) if (c instanceof pg.Client) await c.end();
  for (const spied of each) if (!(spied instanceof pg.Client)) await spied.close();
  await bed.t.db.pool.query('DROP TRIGGER IF EXISTS pause_cancel ON webhook_deliveries');
});

/** A dispatcher on a connection pool of its own (as another worker's), with its SQL and log lines recorded. */
function worker() {
  const spied = spiedDb(bed.t.url);
  opened.push(spied);
  const log: string[] = [];
  const dispatcher = new WebhookDispatcher({ db: spied.db, logger: { info: () => undefined, warn: (line) => log.push(line) }, allowLoopback: true });
  return { dispatcher, spied, log };
}

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: bed.t.url });
  await c.connect();
  opened.push(c);
  return c;
}

const subscribe = async () => (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events: ['action.executed'] })).webhook.id;
const remove = (webhookId: string) => runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId });

/** Queues a delivery and claims it as a dispatcher would: its first attempt is in flight (leased). */
async function inFlight(webhookId: string): Promise<QueuedDelivery> {
  const delivery = await queueEvent(bed.t.db, webhookId);
  await bed.t.db.pool.query(
    `UPDATE webhook_deliveries SET attempts = 1, last_attempt_at = now(), next_attempt_at = now() + interval '30 s', leased_until = now() + interval '30 s' WHERE id = $1`,
    [delivery.id],
  );
  return delivery;
}

/** The attempts end as the dispatcher records a 503: a retry is due in 5 s, and no attempt holds the deliveries. */
async function answered503(deliveries: QueuedDelivery[]): Promise<void> {
  await bed.t.db.pool.query(
    `UPDATE webhook_deliveries SET last_status = 503, last_error = 'HTTP 503', leased_until = NULL, next_attempt_at = now() + interval '5 s' WHERE id = ANY($1::text[])`,
    [deliveries.map((d) => d.id)],
  );
}

/** A webhook whose attempts were in flight at its removal and then failed: retries to cancel. */
async function retriesOfRemovedWebhook(count: number) {
  const webhookId = await subscribe();
  const deliveries: QueuedDelivery[] = [];
  for (let i = 0; i < count; i += 1) deliveries.push(await inFlight(webhookId));
  expect(await remove(webhookId)).toMatchObject({ cancelledDeliveries: 0, inFlightDeliveries: count });
  await answered503(deliveries);
  return { webhookId, deliveries };
}

async function cancelAudits(webhookId: string) {
  const rows = await bed.t.db.prisma.auditEvent.findMany({ where: { type: 'webhook.delivery_cancelled' }, orderBy: { seq: 'asc' }, select: { payload: true } });
  return rows.map((row) => row.payload as Record<string, unknown>).filter((payload) => payload.webhookId === webhookId);
}

/** What the race must leave: each delivery cancelled, one audit row each, and one log line each across both workers. */
async function expectCancelledOnce(webhookId: string, deliveries: QueuedDelivery[], log: string[]) {
  for (const delivery of deliveries) expect(await deliveryRow(bed.t.db, delivery.id)).toEqual({ status: 'cancelled', attempts: 1, last_status: 503, last_error: 'HTTP 503' });
  expect((await cancelAudits(webhookId)).map((payload) => payload.deliveryId).sort()).toEqual(deliveries.map((d) => d.id).sort());
  expect(
    log
      .filter((line) => line.includes('cancelled delivery'))
      .map((line) => /cancelled delivery (\S+)/.exec(line)![1])
      .sort(),
  ).toEqual(deliveries.map((d) => d.id).sort());
}

// A statement that cancelled deliveries stops before its transaction goes on, on an advisory lock the test holds: it holds
// every row it cancelled (after the whole statement, so another cancel cannot take some of them meanwhile).
async function pauseCancels(): Promise<pg.Client> {
  await bed.t.db.pool.query(
    `CREATE OR REPLACE FUNCTION pause_cancel() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN IF EXISTS (SELECT 1 FROM changed WHERE status = 'cancelled') THEN PERFORM pg_advisory_xact_lock(4243); END IF; RETURN NULL; END $$`,
  );
  await bed.t.db.pool.query('CREATE TRIGGER pause_cancel AFTER UPDATE ON webhook_deliveries REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION pause_cancel()');
  const holder = await client();
  await holder.query('BEGIN');
  await holder.query('SELECT pg_advisory_xact_lock(4243)');
  return holder;
}

const waiting = async (locktype: string): Promise<number> =>
  (
    await bed.t.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_locks WHERE locktype = $1 AND NOT granted AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())',
      [locktype],
    )
  ).rows[0]!.n;

/** Transactions by what they are: the outbox derivation's (it locks the audit cursor), a cancel, or their SQL. */
const kind = (transaction: string[]) =>
  transaction.some((sql) => sql.includes('audit_cursors')) ? 'derivation' : transaction.some((sql) => sql.includes("status = 'cancelled'")) ? 'cancel' : transaction.join(' | ');

describe('cancelling the retries of a removed webhook with two dispatchers', () => {
  it('both find them at once: what one locks the other passes by, and each is cancelled and audited once', async () => {
    const { webhookId, deliveries } = await retriesOfRemovedWebhook(3);
    const [a, b] = [worker(), worker()];
    const holder = await pauseCancels();
    const passes = [a.dispatcher.runOnce(), b.dispatcher.runOnce()];
    let finished = 0;
    for (const pass of passes) void pass.then(() => (finished += 1));
    // Each cancel is paused holding what it locked, or has passed everything by and its pass ended. Usually one locks all
    // three and the other's pass ends; two statements at the same moment can split them (SKIP LOCKED takes each row as
    // its scan reaches it), and then both pause. Either way no delivery is held by both.
    await until('each cancel paused or its pass over', async () => {
      const paused = await waiting('advisory');
      return paused >= 1 && paused + finished === 2;
    });
    await holder.query('COMMIT');
    await Promise.all(passes);

    await expectCancelledOnce(webhookId, deliveries, [...a.log, ...b.log]);
    // Each opened a cancel transaction: both had read the retries pending. (A derivation may come first or not:
    // the outbox reads before it opens one, and finds nothing new when the other dispatcher's has committed.)
    const cancels = (w: typeof a) => w.spied.transactions.map(kind).filter((k) => k !== 'derivation');
    expect([a, b].map(cancels)).toEqual([['cancel'], ['cancel']]);
  });

  it('one reads them pending before the other commits their cancel, and opens its transaction after: it cancels none', async () => {
    const { webhookId, deliveries } = await retriesOfRemovedWebhook(3);
    const [a, b] = [worker(), worker()];
    const holder = await pauseCancels();
    const first = a.dispatcher.runOnce();
    await until("the first dispatcher's cancel to pause", async () => (await waiting('advisory')) === 1);
    // A table lock queued behind the first cancel holds back the second dispatcher's cancel, not its plain read.
    const locker = await client();
    await locker.query('BEGIN');
    let lockHeld = false;
    const lock = locker.query('LOCK TABLE webhook_deliveries IN EXCLUSIVE MODE').then(() => (lockHeld = true));
    await until('the table lock to queue', async () => (await waiting('relation')) === 1);
    const second = b.dispatcher.runOnce();
    await until("the second dispatcher's cancel to queue behind it", async () => (await waiting('relation')) === 2);
    // (No derivation: the first dispatcher's derived every audit row there is, so the second's read finds nothing new.)
    expect(b.spied.transactions.map(kind)).toEqual(['cancel']);

    await holder.query('COMMIT');
    await lock;
    expect(lockHeld).toBe(true);
    await locker.query('COMMIT');
    await Promise.all([first, second]);

    await expectCancelledOnce(webhookId, deliveries, [...a.log, ...b.log]);
    expect(a.log.filter((line) => line.includes('cancelled delivery'))).toHaveLength(deliveries.length);
  });
});

describe('a dispatcher pass with nothing to cancel', () => {
  it('opens no transaction for it (nor for the outbox, with nothing new to derive), and a retry to cancel opens one', async () => {
    // Nothing to cancel, but close to it: a removed webhook's attempt still in flight (left to it), a removed webhook's
    // cancelled delivery, and a live webhook's retry backing off.
    const removed = await subscribe();
    const stillInFlight = await inFlight(removed);
    await queueEvent(bed.t.db, removed);
    expect(await remove(removed)).toMatchObject({ cancelledDeliveries: 1, inFlightDeliveries: 1 });
    const live = await subscribe();
    const backingOff = await queueEvent(bed.t.db, live);
    await bed.t.db.pool.query(`UPDATE webhook_deliveries SET attempts = 1, last_status = 503, next_attempt_at = now() + interval '1 hour' WHERE id = $1`, [backingOff.id]);

    const { dispatcher, spied } = worker();
    for (let pass = 0; pass < 5; pass += 1) expect(await dispatcher.runOnce()).toBe(0);
    // The first pass derives the set-up's audit rows (the webhooks' creation and removal); the idle ones open none.
    expect(spied.transactions.map(kind)).toEqual(['derivation']);
    expect(await deliveryRow(bed.t.db, stillInFlight.id)).toMatchObject({ status: 'pending', attempts: 1 });

    // The attempt ends with a 503: the next pass cancels its retry, in a transaction of its own.
    await answered503([stillInFlight]);
    await dispatcher.runOnce();
    expect(spied.transactions.slice(1).map(kind)).toEqual(['cancel']);
    expect(await deliveryRow(bed.t.db, stillInFlight.id)).toMatchObject({ status: 'cancelled' });
    expect((await cancelAudits(removed)).map((payload) => payload.deliveryId)).toEqual([stillInFlight.id]);
  });
});
