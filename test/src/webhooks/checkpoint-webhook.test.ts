import { appendAudit, checkpointIfDue, checkpointKeyring, checkpointSigner, generateCheckpointKeyPair, verifyAuditChain, type AuditCheckpoint } from '@airlock/db';
import { createWebhook, runUseCase, type Operator } from '@airlock/ops';
import { deriveDeliveries, WebhookDispatcher } from '@airlock/webhooks';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { uncatalogued } from '../support/uncatalogued.js';
import { rewriteHistory } from '../audit/support.js';
import { webhookTestBed } from './test-bed.js';

// Signed checkpoints published through the webhook outbox (`audit.checkpoint`): a receiver outside Airlock keeps
// them, and they catch a rewrite of the database exactly as the file sink's copies do.

const bed = webhookTestBed();
const keys = generateCheckpointKeyPair();
const signer = checkpointSigner(keys.privateKeyPem);
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };
const quiet = { info: () => undefined, warn: () => undefined };

async function append(from: number, count: number): Promise<AuditCheckpoint[]> {
  const made: AuditCheckpoint[] = [];
  for (let i = from; i < from + count; i++) {
    await appendAudit(bed.t.db, uncatalogued({ eventKey: `e-${i}`, type: 'test.event', actor: 'user:alice', payload: { i } }));
    const checkpoint = await checkpointIfDue(bed.t.db, signer, { everyRows: 5, everySeconds: 3600 });
    if (checkpoint) made.push(checkpoint);
  }
  return made;
}

describe('the audit.checkpoint webhook', () => {
  it('delivers each signed checkpoint, signed Standard Webhooks, to subscribers who chose it, and the copies catch a rewrite', async () => {
    // Signed before anyone subscribed: history, never sent.
    expect(await append(0, 5)).toHaveLength(1);
    const chosen = await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events: ['audit.checkpoint'] });
    const other = await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: `${bed.receiver.url}?other`, events: ['action.executed'] });
    const made = await append(5, 12);
    expect(made.map((c) => [c.n, c.seq])).toEqual([
      [2, 10],
      [3, 15],
    ]);

    const dispatcher = new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true, pollIntervalMs: 50, requestTimeoutMs: 5_000 });
    dispatcher.start();
    const logged = () =>
      bed.t.db.pool.query<{ subscription_id: string; event_id: string; audit_seq: string; status: string }>(
        "SELECT subscription_id, event_id, audit_seq::text, status FROM webhook_deliveries WHERE event_type = 'audit.checkpoint' ORDER BY event_id",
      );
    try {
      await bed.receiver.waitFor('two checkpoint deliveries', () => (bed.receiver.accepted((b) => b.type === 'audit.checkpoint').length >= 2 ? true : undefined));
      // The receiver answers before the dispatcher records the answer: wait for the log to catch up.
      for (let tries = 0; (await logged()).rows.some((r) => r.status === 'pending') && tries < 300; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await dispatcher.stop();
    }
    // Nothing else was queued: the other subscription did not choose checkpoints, and checkpoint #1 predates both.
    expect(await deriveDeliveries(bed.t.db)).toBe(0);
    const rows = await logged();
    expect(rows.rows).toEqual([
      { subscription_id: chosen.webhook.id, event_id: 'ckpt_2', audit_seq: '10', status: 'delivered' },
      { subscription_id: chosen.webhook.id, event_id: 'ckpt_3', audit_seq: '15', status: 'delivered' },
    ]);
    expect(rows.rows.some((r) => r.subscription_id === other.webhook.id)).toBe(false);

    // Each body verifies with the subscription's secret and carries the checkpoint as the file sink writes it.
    const verifier = new Webhook(chosen.secret);
    const received = bed.receiver
      .accepted((b) => b.type === 'audit.checkpoint')
      .map((r) => {
        const body = verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; timestamp: string; data: AuditCheckpoint };
        expect(r.headers['webhook-id']).toBe(`ckpt_${body.data.n}`);
        expect(body.timestamp).toBe(body.data.signedAt);
        return body.data;
      });
    expect(received).toEqual(made);

    // A superuser rewrites a row and recomputes every later hash: the chain alone is fooled, the received copies are not.
    const victim = await bed.t.db.prisma.auditEvent.findUniqueOrThrow({ where: { eventKey: 'e-7' } });
    await rewriteHistory(bed.t.db, victim.seq, { i: 700 });
    const keyring = checkpointKeyring([keys.publicKeyPem]);
    expect(await verifyAuditChain(bed.t.db)).toMatchObject({ ok: true });
    expect(await verifyAuditChain(bed.t.db, { keyring, checkpoints: received })).toMatchObject({ ok: false, firstBrokenSeq: '10', suspectFromSeq: '6' });
  });
});
