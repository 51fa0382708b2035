import { appendAudit, checkpointIfDue, checkpointSigner, generateCheckpointKeyPair } from '@airlock/db';
import { createWebhook, removeWebhook, runUseCase, type Operator } from '@airlock/ops';
import { deriveDeliveries, newDeliveryId } from '@airlock/webhooks';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { uncatalogued } from '../support/uncatalogued.js';
import { webhookTestBed } from './test-bed.js';
import { until } from './until.js';

// A removal that commits while the dispatcher is deriving deliveries: the derivation read the subscription
// before the removal, and must not queue a delivery that goes out after it (docs/WEBHOOKS.md, "Removal").

const bed = webhookTestBed();
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };

async function subscribe(url: string, events: string[] = ['action.executed']): Promise<string> {
  return (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url, events })).webhook.id;
}

async function remove(webhookId: string) {
  return runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId });
}

describe('removing a webhook while deliveries are being queued', () => {
  it('a derivation that read the subscription before the removal committed queues nothing that is sent afterwards', async () => {
    const keys = generateCheckpointKeyPair();
    const signer = checkpointSigner(keys.privateKeyPem);
    // Settle earlier rows into a checkpoint, so the next one signs only rows after the subscription.
    await appendAudit(bed.t.db, uncatalogued({ eventKey: 'race-before', type: 'test.event', actor: 'user:alice', payload: {} }));
    await checkpointIfDue(bed.t.db, signer, { everyRows: 1, everySeconds: 3600 });
    await deriveDeliveries(bed.t.db);
    const webhookId = await subscribe(bed.receiver.url, ['audit.checkpoint']);
    await appendAudit(bed.t.db, uncatalogued({ eventKey: 'race-after', type: 'test.event', actor: 'user:alice', payload: {} }));
    const checkpoint = await checkpointIfDue(bed.t.db, signer, { everyRows: 1, everySeconds: 3600 });
    expect(checkpoint).not.toBeNull();

    // Another session holds the delivery's dedupe key (uncommitted): the derivation stops at its insert, after reading the
    // subscriptions. Its row points at another (removed) subscription, so it locks nothing the removal needs.
    const other = await subscribe(bed.receiver.url);
    await remove(other);
    // Open connections now: a backend that starts while the others wait does not show its own wait in pg_stat_activity.
    await Promise.all([1, 2, 3, 4].map(() => bed.t.db.pool.query('SELECT pg_sleep(0.05)')));
    const blocker = new pg.Client({ connectionString: bed.t.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(
        `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, dedupe_key, audit_seq, payload, status, next_attempt_at)
         VALUES ($1, $2, $3, 'audit.checkpoint', $4, 0, '{}', 'pending', now())`,
        [newDeliveryId(), other, `ckpt_${checkpoint!.n}`, `${webhookId}:ckpt_${checkpoint!.n}`],
      );
      const derivation = deriveDeliveries(bed.t.db);
      await until('the derivation to wait at its insert', async () => (await lockWaiters(blocker)) >= 1);
      let removed = false;
      const removal = remove(webhookId).then((result) => {
        removed = true;
        return result;
      });
      // Either the removal finished at once (nothing held it) or it waits for the derivation.
      await until('the removal to commit or wait for the derivation', async () => removed || (await lockWaiters(blocker)) >= 2);
      await blocker.query('ROLLBACK');
      await derivation;
      const result = await removal;
      const { rows } = await bed.t.db.pool.query<{ status: string }>('SELECT status FROM webhook_deliveries WHERE subscription_id = $1', [webhookId]);
      expect(rows.map((r) => r.status)).toEqual(['cancelled']);
      expect(result.cancelledDeliveries).toBe(1);
    } finally {
      await blocker.end();
    }
  });
});

async function lockWaiters(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
  );
  return rows[0]!.n;
}
