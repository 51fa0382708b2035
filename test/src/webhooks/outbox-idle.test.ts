import { appendAudit, checkpointIfDue, checkpointSigner, generateCheckpointKeyPair } from '@airlock/db';
import { createWebhook, runUseCase, type Operator } from '@airlock/ops';
import { WebhookDispatcher } from '@airlock/webhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { uncatalogued } from '../support/uncatalogued.js';
import { spiedDb, type SpiedDb } from './sql-spy.js';
import { webhookTestBed } from './test-bed.js';

// The outbox's derivation runs first in every dispatcher pass, about once a second per worker, and almost always finds
// nothing. A plain read (anything past the audit cursor, or past the checkpoint cursor?) looks first: an idle pass opens
// no transaction and takes no lock on the cursor; a new audit row or a new checkpoint is derived by the next pass.

const bed = webhookTestBed();
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };
const signer = checkpointSigner(generateCheckpointKeyPair().privateKeyPem);
let spied: SpiedDb | undefined;
afterAll(async () => spied?.close());

describe('an outbox derivation with nothing new', () => {
  it('opens no transaction and locks no cursor; a new audit row, then a new checkpoint, is each derived by the next pass', async () => {
    const webhookId = (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events: [] })).webhook.id;
    spied = spiedDb(bed.t.url);
    const dispatcher = new WebhookDispatcher({ db: spied.db, logger: { info: () => undefined, warn: () => undefined }, allowLoopback: true });
    const cursor = async () => (await bed.t.db.pool.query<{ seq: string }>("SELECT seq::text AS seq FROM audit_cursors WHERE consumer = 'webhooks'")).rows[0]?.seq;
    const head = async () => (await bed.t.db.pool.query<{ seq: string }>('SELECT max(seq)::text AS seq FROM audit_events')).rows[0]!.seq;

    // The subscription's own audit row (webhook.created) is past the cursor: the first pass derives it.
    await dispatcher.runOnce();
    expect(spied.transactions).toHaveLength(1);
    expect(await cursor()).toBe(await head());
    for (let pass = 0; pass < 5; pass += 1) await dispatcher.runOnce();
    expect(spied.transactions).toHaveLength(1);
    expect(spied.sent.filter((sql) => /audit_cursors[\s\S]*FOR UPDATE/.test(sql.text))).toHaveLength(1);

    await appendAudit(bed.t.db, uncatalogued({ eventKey: 'outbox-idle-1', type: 'test.event', actor: 'user:alice', payload: {} }));
    await dispatcher.runOnce();
    expect(spied.transactions).toHaveLength(2);
    expect(await cursor()).toBe(await head());

    // A checkpoint is no audit row: only the checkpoint cursor shows it is new. It is derived, and delivered.
    const checkpoint = await checkpointIfDue(bed.t.db, signer, { everyRows: 1, everySeconds: 3600 });
    expect(checkpoint).toBeDefined();
    await dispatcher.runOnce();
    expect(spied.transactions).toHaveLength(3);
    const { rows } = await bed.t.db.pool.query<{ status: string }>('SELECT status FROM webhook_deliveries WHERE subscription_id = $1 AND event_id = $2', [
      webhookId,
      `ckpt_${checkpoint!.n}`,
    ]);
    expect(rows).toEqual([{ status: 'delivered' }]);
    await dispatcher.runOnce();
    expect(spied.transactions).toHaveLength(3);
  });
});
