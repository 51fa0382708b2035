import { createWebhook, removeWebhook, replayDelivery, runUseCase, type Operator } from '@airlock/ops';
import { WebhookDispatcher } from '@airlock/webhooks';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { queueEvent } from './queued.js';
import { webhookTestBed } from './test-bed.js';
import { until } from './until.js';

// A replay and a removal of the same webhook at once: whichever commits first, the replay is cancelled
// with the webhook's other queued deliveries and never sent (docs/WEBHOOKS.md, "Removal"; what an attempt
// already under way at a removal does is removal-in-flight.test.ts's).

const bed = webhookTestBed();
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };

const waiting = async (locktype: string): Promise<number> =>
  (
    await bed.t.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_locks WHERE locktype = $1 AND NOT granted AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())',
      [locktype],
    )
  ).rows[0]!.n;

describe('replaying a delivery while its webhook is removed', () => {
  it('a replay that checked the webhook before the removal committed is cancelled with the rest, and nothing goes out', async () => {
    const webhookId = (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events: ['action.executed'] })).webhook.id;
    const original = (await queueEvent(bed.t.db, webhookId, 'delivered')).id;
    // The replay stops at its insert (after checking the webhook) on an advisory lock this test holds.
    await bed.t.db.pool.query(`CREATE FUNCTION pause_replay() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NEW; END $$`);
    await bed.t.db.pool.query(`CREATE TRIGGER pause_replay BEFORE INSERT ON webhook_deliveries FOR EACH ROW WHEN (NEW.replay_of IS NOT NULL) EXECUTE FUNCTION pause_replay()`);
    const holder = new pg.Client({ connectionString: bed.t.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(4242)');
      const replay = runUseCase({ db: bed.t.db }, admin, replayDelivery, { deliveryId: original });
      await until('the replay to wait at its insert', async () => (await waiting('advisory')) > 0);
      // The removal either commits now or waits for the replay's transaction (its lock on the webhook).
      const removal = runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId });
      let removed = false;
      void removal.then(() => (removed = true)).catch(() => undefined);
      await until('the removal to commit or wait for the replay', async () => removed || (await waiting('transactionid')) + (await waiting('tuple')) > 0);
      await holder.query('COMMIT');
      const [replayed] = await Promise.all([replay, removal]);
      const { rows } = await bed.t.db.pool.query<{ status: string }>('SELECT status FROM webhook_deliveries WHERE id = $1', [replayed.id]);
      expect(rows[0]!.status).toBe('cancelled');
      await new WebhookDispatcher({ db: bed.t.db, logger: { info: () => undefined, warn: () => undefined }, allowLoopback: true }).runOnce();
      expect(bed.receiver.received).toHaveLength(0);
    } finally {
      await holder.end();
    }
  });
  it('the dispatcher cancels a due delivery of a removed webhook instead of sending it, whatever path queued it, and audits that', async () => {
    const webhookId = (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events: ['action.executed'] })).webhook.id;
    await runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId });
    // Queued after the removal by a writer that took no lock on the webhook: the removal's audit row did not count it.
    const { id, eventId } = await queueEvent(bed.t.db, webhookId);
    const attempted = await new WebhookDispatcher({ db: bed.t.db, logger: { info: () => undefined, warn: () => undefined }, allowLoopback: true }).runOnce();
    expect(attempted).toBe(0);
    const { rows } = await bed.t.db.pool.query<{ status: string; attempts: number }>('SELECT status, attempts FROM webhook_deliveries WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ status: 'cancelled', attempts: 0 });
    expect(bed.receiver.received).toHaveLength(0);
    const audited = await bed.t.db.prisma.auditEvent.findMany({ where: { type: 'webhook.delivery_cancelled' }, select: { actor: true, payload: true } });
    expect(audited).toEqual([
      {
        actor: 'system:webhooks',
        payload: { webhookId, deliveryId: id, eventId, eventType: 'action.executed', attempts: 0, lastStatus: null, lastError: null, answerUnknown: false },
      },
    ]);
  });
});
