import { appendAudit, checkpointIfDue, checkpointSigner, generateCheckpointKeyPair } from '@airlock/db';
import { createWebhook, runUseCase, type Operator } from '@airlock/ops';
import { deriveDeliveries } from '@airlock/webhooks';
import { describe, expect, it } from 'vitest';
import { webhookTestBed } from './test-bed.js';

// A new subscription receives events from its creation on, never history (docs/WEBHOOKS.md). It used to start at the
// outbox cursor: with the workers down or behind, every row after the cursor (written before the subscription existed)
// was sent to it. Now it starts at the newest audit row, read under the cursor's lock.

const bed = webhookTestBed();
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };
const signer = checkpointSigner(generateCheckpointKeyPair().privateKeyPem);

/** An action's outcome row, as the workflow writes it: an `action.executed` event. */
const executed = (actionId: string) =>
  appendAudit(bed.t.db, { eventKey: `${actionId}:completed`, actionId, type: 'action.completed', actor: 'system:workflow', payload: { status: 'executed', actionId } });

async function subscribe(events: string[]): Promise<string> {
  return (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events })).webhook.id;
}

/** What the outbox queued per subscription: the action of each event, or the checkpoint. */
async function queued(webhookId: string): Promise<string[]> {
  const { rows } = await bed.t.db.pool.query<{ subject: string }>(
    `SELECT coalesce(payload->'data'->>'actionId', 'checkpoint ' || (payload->'data'->>'n')) AS subject
     FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY audit_seq, event_type = 'audit.checkpoint'`,
    [webhookId],
  );
  return rows.map((r) => r.subject);
}

describe('a subscription made while the workers are behind', () => {
  it('receives nothing written before it: neither the audit rows past the cursor nor a checkpoint signing them', async () => {
    const earlier = await subscribe(['action.executed', 'audit.checkpoint']);
    await deriveDeliveries(bed.t.db);
    // The workers are down from here: the cursor stays where it is.
    await executed('act_before_1');
    await executed('act_before_2');
    const signedBefore = await checkpointIfDue(bed.t.db, signer, { everyRows: 1, everySeconds: 3600 });
    expect(signedBefore).toBeDefined();

    const later = await subscribe(['action.executed', 'audit.checkpoint']);
    await executed('act_after');
    const signedAfter = await checkpointIfDue(bed.t.db, signer, { everyRows: 1, everySeconds: 3600 });
    expect(signedAfter).toBeDefined();
    // The workers come back.
    while ((await deriveDeliveries(bed.t.db)) > 0);

    expect(await queued(later)).toEqual(['act_after', `checkpoint ${signedAfter!.n}`]);
    expect(await queued(earlier)).toEqual(['act_before_1', 'act_before_2', `checkpoint ${signedBefore!.n}`, 'act_after', `checkpoint ${signedAfter!.n}`]);
  });
});
