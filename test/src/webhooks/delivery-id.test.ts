import { appendAudit } from '@airlock/db';
import { createWebhook, replayDelivery, runUseCase, type Operator } from '@airlock/ops';
import { WebhookDispatcher } from '@airlock/webhooks';
import { describe, expect, it } from 'vitest';
import { webhookTestBed } from './test-bed.js';

// Each attempt names its delivery (`airlock-delivery-id`), the id the delivery log shows and `airlock webhooks
// replay` takes, so a receiver's developer can tell an operator which delivery to look at or send again. It is the
// same on a retry; a replay is a new delivery (new id) of the same event (same webhook-id, the idempotency key).

const bed = webhookTestBed();
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };
const quiet = { info: () => undefined, warn: () => undefined };

describe('the airlock-delivery-id header', () => {
  it('names the delivery in the log: the same on a retry, a new one for a replay of the same webhook-id', async () => {
    const webhookId = (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events: ['action.executed'] })).webhook.id;
    await appendAudit(bed.t.db, {
      type: 'action.completed',
      actor: 'system:workflow',
      actionId: 'act_did_1',
      eventKey: 'act_did_1:completed',
      payload: { status: 'executed', actionId: 'act_did_1' },
    });
    let answers = [503, 204];
    bed.receiver.answer = () => answers.shift() ?? 204;
    await new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true, retry: { baseDelayMs: 0 } }).runOnce();

    const { rows } = await bed.t.db.pool.query<{ id: string; event_id: string; attempts: number; status: string }>(
      'SELECT id, event_id, attempts, status FROM webhook_deliveries WHERE subscription_id = $1',
      [webhookId],
    );
    expect(rows).toEqual([{ id: expect.stringMatching(/^dlv_/), event_id: expect.stringMatching(/^evt_/), attempts: 2, status: 'delivered' }]);
    const { id: deliveryId, event_id: eventId } = rows[0]!;
    expect(bed.receiver.received.map((r) => [r.status, r.headers['airlock-delivery-id'], r.headers['webhook-id']])).toEqual([
      [503, deliveryId, eventId],
      [204, deliveryId, eventId],
    ]);

    const replay = await runUseCase({ db: bed.t.db }, admin, replayDelivery, { deliveryId });
    answers = [204];
    await new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true }).runOnce();
    expect(replay.id).not.toBe(deliveryId);
    expect(bed.receiver.received.at(-1)!.headers).toMatchObject({ 'airlock-delivery-id': replay.id, 'webhook-id': eventId });
  });
});
