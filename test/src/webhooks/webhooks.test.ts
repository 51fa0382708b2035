import { readFileSync } from 'node:fs';
import { defaultActivityDeps } from '@airlock/activities';
import { deleteWebhook, getDeliveries, getWebhooks, postAction, postDecision, postReplay, postWebhook, schemas, webhookSchemas, type ApiContext } from '@airlock/console';
import { compilePolicy, type CompiledPolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';
import { DEFAULT_RETRY, deriveDeliveries, retryDelayMs, vetTarget, WebhookDispatcher } from '@airlock/webhooks';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, contextOf, expectError, expectJson, seedKeys, waitForActionStatus, type ApiKeys } from '../api/client.js';
import { escalatingDeadlinePolicy } from '../support/escalating-policy.js';
import { startHarness, type Harness } from '../support/harness.js';
import { actionIdOf, WebhookReceiver } from './receiver.js';

// A default policy plus one allow_and_notify rule: echoes saying "notify me" run at once and notify.
const policy = compilePolicy(
  readFileSync(DEFAULT_POLICY_FILE, 'utf8').replace(
    'rules:\n',
    'rules:\n  - id: echo-notice\n    tools: [demo.echo]\n    when: args.message == "notify me"\n    tier: low\n    outcome: allow_and_notify\n    reason: echoes asking for notice\n',
  ),
  'webhooks-test.yaml',
);

let activePolicy: CompiledPolicy = policy;
let h: Harness;
let ctx: ApiContext;
let keys: ApiKeys;
let receiver: WebhookReceiver;
const quiet = { info: () => undefined, warn: () => undefined };
const fastRetry = { baseDelayMs: 50, maxDelayMs: 400, maxAttempts: 50 };
const dispatcher = (options: Partial<ConstructorParameters<typeof WebhookDispatcher>[0]> = {}) =>
  new WebhookDispatcher({ db: h.db, logger: quiet, allowLoopback: true, retry: fastRetry, pollIntervalMs: 50, requestTimeoutMs: 5_000, ...options });

beforeAll(async () => {
  h = await startHarness({ deps: (db) => defaultActivityDeps(db, { current: () => activePolicy }) });
  ctx = contextOf(h);
  keys = await seedKeys(h.db);
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await receiver?.close();
  await h?.close();
});

let counter = 0;
async function submit(tool: string, args: Record<string, unknown>): Promise<string> {
  const body = { tool, args, rationale: 'Ticket 42.', idempotencyKey: `wh-${(counter += 1)}` };
  return (await expectJson(postAction(apiRequest('/api/v1/actions', { key: keys.agent, body }), ctx), 202, schemas.SubmittedActionView)).actionId;
}

async function subscribe(body: Record<string, unknown>) {
  return expectJson(postWebhook(apiRequest('/api/v1/webhooks', { key: keys.bob, body }), ctx), 201, webhookSchemas.CreatedWebhookView);
}

async function deliveries(query = '') {
  return (await expectJson(getDeliveries(apiRequest(`/api/v1/webhooks/deliveries${query}`, { key: keys.bob }), ctx), 200, webhookSchemas.DeliveryList)).deliveries;
}

const auditRows = (type: string) => h.db.prisma.auditEvent.findMany({ where: { type }, orderBy: { seq: 'asc' } });
const ofAction = (actionId: string, type?: string) => (b: { type: string; data: Record<string, unknown> }) =>
  b.data.actionId === actionId && (type === undefined || b.type === type);

describe('webhook subscriptions over REST', () => {
  it('an admin subscribes; the secret is shown once, one audit row with the actor; a repeat removal writes nothing', async () => {
    const before = (await auditRows('webhook.created')).length;
    const created = await subscribe({ url: 'https://hooks.example.com/airlock', events: ['action.executed'], description: 'ops channel' });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(created.webhook).toMatchObject({ url: 'https://hooks.example.com/airlock', events: ['action.executed'], createdBy: 'user:bob', removedAt: null });

    const listed = await expectJson(getWebhooks(apiRequest('/api/v1/webhooks', { key: keys.bob }), ctx), 200, webhookSchemas.WebhookList);
    expect(listed.webhooks.map((w) => w.id)).toContain(created.webhook.id);
    expect(JSON.stringify(listed)).not.toContain(created.secret);

    const rows = await auditRows('webhook.created');
    expect(rows).toHaveLength(before + 1);
    // The URL by its origin and hash, never in full (test/src/webhooks/audited-url.test.ts).
    expect(rows.at(-1)).toMatchObject({ actor: 'user:bob', payload: { webhookId: created.webhook.id, origin: 'https://hooks.example.com' } });
    expect(JSON.stringify(rows.at(-1)!.payload)).not.toContain(created.secret);
    expect(JSON.stringify(rows.at(-1)!.payload)).not.toContain('/airlock');

    const path = `/api/v1/webhooks/${created.webhook.id}`;
    const removed = await expectJson(deleteWebhook(apiRequest(path, { key: keys.bob, method: 'DELETE' }), ctx, { id: created.webhook.id }), 200, webhookSchemas.WebhookRemoved);
    expect(removed.changed).toBe(true);
    const again = await expectJson(deleteWebhook(apiRequest(path, { key: keys.bob, method: 'DELETE' }), ctx, { id: created.webhook.id }), 200, webhookSchemas.WebhookRemoved);
    expect(again.changed).toBe(false);
    expect((await auditRows('webhook.removed')).filter((r) => (r.payload as { webhookId: string }).webhookId === created.webhook.id)).toHaveLength(1);
  });

  it('bad input is a 400 naming the field; nothing is written', async () => {
    const before = await h.db.prisma.webhookSubscription.count();
    const cases: [unknown, string][] = [
      [{ url: 'ftp://example.com/x' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: 'https://user:pw@example.com/x' }, 'url'],
      [{ url: 'http://169.254.169.254/latest/meta-data' }, 'url'],
      [{ url: 'http://10.1.2.3/hook' }, 'url'],
      [{ url: 'https://example.com/x', events: ['action.exploded'] }, 'events.0'],
      [{ url: 'https://example.com/x', secret: 'mine' }, 'secret'],
      [{}, 'url'],
    ];
    for (const [body, path] of cases) {
      const error = await expectError(postWebhook(apiRequest('/api/v1/webhooks', { key: keys.bob, body }), ctx), 400, 'invalid_request');
      expect(
        error.issues?.map((i) => i.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    const replay = await expectError(
      postReplay(apiRequest('/api/v1/webhooks/deliveries/nope/replay', { key: keys.bob, method: 'POST' }), ctx, { id: 'nope' }),
      400,
      'invalid_request',
    );
    expect(replay.issues?.map((i) => i.path)).toEqual(['deliveryId']);
    await expectError(
      deleteWebhook(apiRequest('/api/v1/webhooks/whk_aaaaaaaaaaaaaaaa', { key: keys.bob, method: 'DELETE' }), ctx, { id: 'whk_aaaaaaaaaaaaaaaa' }),
      404,
      'not_found',
    );
    expect(await h.db.prisma.webhookSubscription.count()).toBe(before);
  });

  it('a viewer or an approver is refused with 403, and the attempt is audited', async () => {
    const before = (await auditRows('operator.forbidden')).length;
    await expectError(postWebhook(apiRequest('/api/v1/webhooks', { key: keys.victor, body: { url: 'https://example.com/x' } }), ctx), 403, 'forbidden');
    await expectError(getWebhooks(apiRequest('/api/v1/webhooks', { key: keys.alice }), ctx), 403, 'forbidden');
    await expectError(getDeliveries(apiRequest('/api/v1/webhooks/deliveries', { key: keys.victor }), ctx), 403, 'forbidden');
    const rows = (await auditRows('operator.forbidden')).slice(before);
    expect(rows.map((r) => [r.actor, (r.payload as { action: string }).action])).toEqual([
      ['user:victor', 'webhook.create'],
      ['user:alice', 'webhook.list'],
      ['user:victor', 'webhook.deliveries'],
    ]);
  });
});

describe('delivery', () => {
  it('keeps retrying a failing receiver for about a day by default, the last waits at the 4 h cap (docs/WEBHOOKS.md)', () => {
    const waits = Array.from({ length: DEFAULT_RETRY.maxAttempts - 1 }, (_, i) => retryDelayMs(DEFAULT_RETRY, i + 1));
    expect(waits[0]).toBe(5_000);
    expect(waits.at(-1)).toBe(4 * 3_600_000);
    const hours = waits.reduce((sum, ms) => sum + ms, 0) / 3_600_000;
    expect(hours).toBeGreaterThan(20);
    expect(hours).toBeLessThan(30);
  });

  it('the lifecycle of an approved action arrives signed, in order, and verifies with the reference library', async () => {
    const { webhook, secret } = await subscribe({ url: receiver.url });
    const worker = dispatcher();
    worker.start();
    try {
      const actionId = await submit('payments.refund', { paymentId: 'pay_9', amount: '125.00', currency: 'EUR', reason: 'damaged item' });
      await waitForActionStatus(ctx, keys.alice, actionId, ['awaiting_approval']);
      await receiver.waitFor('approval opened', () => receiver.accepted(ofAction(actionId, 'action.approval_opened'))[0]);
      const decision = await postDecision(
        apiRequest(`/api/v1/actions/${actionId}/decisions`, { key: keys.alice, body: { decision: 'approve', argsHash: await argsHashOf(actionId) } }),
        ctx,
        { id: actionId },
      );
      expect(decision.status, await decision.clone().text()).toBe(200);
      await receiver.waitFor('executed', () => receiver.accepted(ofAction(actionId, 'action.executed'))[0]);

      const mine = receiver.accepted(ofAction(actionId));
      const bodies = mine.map((r) => JSON.parse(r.body) as { type: string; timestamp: string; data: Record<string, unknown> });
      expect(bodies.map((b) => b.type)).toEqual(['action.requested', 'action.approval_opened', 'action.decided', 'action.executed']);
      expect(bodies[0]!.data).toMatchObject({ actionId, agentId: 'billing-bot', tool: 'payments.refund', args: { amount: '125.00' } });
      expect(bodies[2]!.data).toMatchObject({ decision: 'allow', decidedBy: 'approvers' });
      const verifier = new Webhook(secret);
      for (const r of mine) {
        const headers = {
          'webhook-id': String(r.headers['webhook-id']),
          'webhook-timestamp': String(r.headers['webhook-timestamp']),
          'webhook-signature': String(r.headers['webhook-signature']),
        };
        expect(verifier.verify(r.body, headers)).toEqual(JSON.parse(r.body));
        expect(r.headers['content-type']).toBe('application/json');
        // Tampered bodies and other secrets do not verify.
        expect(() => verifier.verify(r.body.replace('payments.refund', 'payments.charge'), headers)).toThrow();
        expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(r.body, headers)).toThrow();
      }
      // The receiver answers before the dispatcher records the answer: wait for the log to catch up.
      const mineDelivered = (ds: Delivery[]) => ds.filter((d) => d.actionId === actionId).every((d) => d.status !== 'pending');
      await waitForDelivery(webhook.id, (d) => d.actionId === actionId, mineDelivered);
      const log = await deliveries(`?webhookId=${webhook.id}`);
      expect(log.filter((d) => d.actionId === actionId).map((d) => [d.eventType, d.status, d.attempts, d.lastStatus])).toEqual([
        ['action.executed', 'delivered', 1, 204],
        ['action.decided', 'delivered', 1, 204],
        ['action.approval_opened', 'delivered', 1, 204],
        ['action.requested', 'delivered', 1, 204],
      ]);
    } finally {
      await worker.stop();
      await removeAll();
    }
  });

  it('allow_and_notify sends action.notified; a filter limits what a subscription gets', async () => {
    const { webhook } = await subscribe({ url: receiver.url, events: ['action.notified', 'action.executed'] });
    const worker = dispatcher();
    worker.start();
    try {
      const actionId = await submit('demo.echo', { message: 'notify me' });
      const notified = await receiver.waitFor('notified', () => receiver.accepted(ofAction(actionId, 'action.notified'))[0]);
      expect(JSON.parse(notified.body)).toMatchObject({ type: 'action.notified', data: { actionId, tool: 'demo.echo', reason: 'allow_and_notify', tier: 'low' } });
      await receiver.waitFor('executed', () => receiver.accepted(ofAction(actionId, 'action.executed'))[0]);
      const types = (await deliveries(`?webhookId=${webhook.id}`)).map((d) => d.eventType);
      expect(new Set(types)).toEqual(new Set(['action.notified', 'action.executed']));
      // A plain echo is allowed without notice.
      const plain = await submit('demo.echo', { message: 'hello' });
      await receiver.waitFor('plain executed', () => receiver.accepted(ofAction(plain, 'action.executed'))[0]);
      expect(receiver.accepted(ofAction(plain, 'action.notified'))).toEqual([]);
    } finally {
      await worker.stop();
      await removeAll();
    }
  });

  it('an escalation reaches a subscription to action.approval_escalated: the round, the level, the target and who may decide now', async () => {
    const { webhook } = await subscribe({ url: receiver.url, events: ['action.approval_escalated'] });
    activePolicy = escalatingDeadlinePolicy('webhooks-escalating.yaml');
    const worker = dispatcher();
    worker.start();
    try {
      const actionId = await submit('payments.refund', { paymentId: 'pay_10', amount: '125.00', currency: 'EUR', reason: 'late delivery' });
      const escalated = await receiver.waitFor('escalated', () => receiver.accepted(ofAction(actionId, 'action.approval_escalated'))[0]);
      const [row] = await h.db.prisma.auditEvent.findMany({ where: { actionId, type: 'approval.escalated' } });
      const approval = await h.db.prisma.approval.findFirstOrThrow({ where: { actionId, round: 1 } });
      expect(JSON.parse(escalated.body)).toEqual({
        type: 'action.approval_escalated',
        timestamp: row!.createdAt.toISOString(),
        data: {
          actionId,
          agentId: 'billing-bot',
          tool: 'payments.refund',
          auditSeq: row!.seq.toString(),
          actor: row!.actor,
          approvalId: approval.id,
          level: 1,
          to: 'role:admin',
          eligibleApprovers: expect.arrayContaining(['alice', 'bob']),
        },
      });
      expect(escalated.headers['webhook-id']).toBe(`evt_${row!.seq}_0`);
      await waitForDelivery(
        webhook.id,
        (d) => d.actionId === actionId,
        (ds) => ds.filter((d) => d.actionId === actionId).every((d) => d.status === 'delivered'),
      );
      expect((await deliveries(`?webhookId=${webhook.id}`)).map((d) => d.eventType)).toEqual(['action.approval_escalated']);
    } finally {
      activePolicy = policy;
      await worker.stop();
      await removeAll();
    }
  });

  it('a receiver that is down gets the event later, with the same webhook-id; each failure is in the log', async () => {
    const { webhook } = await subscribe({ url: receiver.url, events: ['action.executed'] });
    receiver.answer = () => 503;
    const worker = dispatcher();
    worker.start();
    try {
      const actionId = await submit('demo.echo', { message: 'while down' });
      await receiver.waitFor('three refused attempts', () => (receiver.received.filter((r) => r.status === 503 && actionIdOf(r) === actionId).length >= 3 ? true : undefined));
      const failing = (await deliveries(`?webhookId=${webhook.id}`))[0]!;
      expect(failing).toMatchObject({ status: 'pending', lastStatus: 503, lastError: 'HTTP 503' });
      expect(failing.attempts).toBeGreaterThanOrEqual(3);

      receiver.answer = () => 200;
      const arrived = await receiver.waitFor('delivered after recovery', () => receiver.accepted(ofAction(actionId, 'action.executed'))[0]);
      const refused = receiver.received.filter((r) => r.status === 503 && actionIdOf(r) === actionId);
      expect(new Set(refused.map((r) => r.headers['webhook-id']))).toEqual(new Set([arrived.headers['webhook-id']]));
      const done = await waitForDelivery(webhook.id, (d) => d.status === 'delivered');
      expect(done.attempts).toBeGreaterThan(failing.attempts - 1);
      expect(done.lastStatus).toBe(200);
    } finally {
      receiver.answer = () => 204;
      await worker.stop();
      await removeAll();
    }
  });

  it('nothing is lost across a worker restart: events while it is down, and an attempt cut off mid-flight', async () => {
    const { webhook } = await subscribe({ url: receiver.url, events: ['action.requested', 'action.executed'] });
    // No dispatcher runs: the events wait in the audit log.
    const first = await submit('demo.echo', { message: 'while the worker is away' });
    await waitForActionStatus(ctx, keys.agent, first, ['executed']);
    expect(receiver.accepted(ofAction(first))).toEqual([]);

    // A dispatcher starts, and is stopped while the receiver holds its request open.
    receiver.hold = true;
    const crashed = dispatcher();
    crashed.start();
    await receiver.waitFor('a held request', () => (receiver.heldCount > 0 ? true : undefined));
    await crashed.stop();
    receiver.dropHeld();
    receiver.hold = false;
    expect(receiver.accepted(ofAction(first))).toEqual([]);

    const second = await submit('demo.echo', { message: 'after the restart' });
    const restarted = dispatcher();
    restarted.start();
    try {
      for (const actionId of [first, second]) {
        for (const type of ['action.requested', 'action.executed']) await receiver.waitFor(`${type} of ${actionId}`, () => receiver.accepted(ofAction(actionId, type))[0]);
      }
      const log = await waitForDelivery(
        webhook.id,
        () => true,
        (all) => all.every((d) => d.status === 'delivered') && all.length === 4,
      );
      expect(log).toBeDefined();
    } finally {
      await restarted.stop();
      await removeAll();
    }
  });

  it('a worker killed mid-attempt (its claim never recorded) leaves the delivery to the next worker when the lease runs out', async () => {
    const { webhook } = await subscribe({ url: receiver.url, events: ['action.executed'] });
    const actionId = await submit('demo.echo', { message: 'claimed by a worker that died' });
    await waitForActionStatus(ctx, keys.agent, actionId, ['executed']);
    // Queue it without sending, then claim it as a dying worker would: attempt counted, lease taken, nothing recorded after.
    await deriveDeliveries(h.db);
    const claimed = await h.db.pool.query(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = now(), next_attempt_at = now() + interval '1 second'
       WHERE subscription_id = $1 AND status = 'pending' RETURNING id`,
      [webhook.id],
    );
    expect(claimed.rowCount).toBe(1);
    const next = dispatcher();
    next.start();
    try {
      await receiver.waitFor('delivered after the lease', () => receiver.accepted(ofAction(actionId, 'action.executed'))[0]);
      const done = await waitForDelivery(webhook.id, (d) => d.status === 'delivered');
      expect(done.attempts).toBe(2);
      expect(receiver.accepted(ofAction(actionId, 'action.executed'))).toHaveLength(1);
    } finally {
      await next.stop();
      await removeAll();
    }
  });

  it('replay sends a delivered event again as a new delivery with the same webhook-id; one audit row', async () => {
    const { webhook } = await subscribe({ url: receiver.url, events: ['action.executed'] });
    const worker = dispatcher();
    worker.start();
    try {
      const actionId = await submit('demo.echo', { message: 'replay me' });
      const first = await receiver.waitFor('first delivery', () => receiver.accepted(ofAction(actionId, 'action.executed'))[0]);
      const original = await waitForDelivery(webhook.id, (d) => d.status === 'delivered');
      const before = (await auditRows('webhook.replayed')).length;
      const replay = await expectJson(
        postReplay(apiRequest(`/api/v1/webhooks/deliveries/${original.id}/replay`, { key: keys.bob, method: 'POST' }), ctx, { id: original.id }),
        202,
        webhookSchemas.DeliveryView,
      );
      expect(replay).toMatchObject({ replayOf: original.id, eventId: original.eventId, status: 'pending' });
      await receiver.waitFor('replayed delivery', () => (receiver.accepted(ofAction(actionId, 'action.executed')).length === 2 ? true : undefined));
      const again = receiver.accepted(ofAction(actionId, 'action.executed'))[1]!;
      expect(again.headers['webhook-id']).toBe(first.headers['webhook-id']);
      const rows = (await auditRows('webhook.replayed')).slice(before);
      expect(rows.map((r) => [r.actor, (r.payload as { deliveryId: string }).deliveryId])).toEqual([['user:bob', original.id]]);
    } finally {
      await worker.stop();
      await removeAll();
    }
  });

  it('SSRF: a name resolving to a private address is refused at delivery; loopback only when allowed', async () => {
    await expect(vetTarget('http://hooks.internal.test/x', { allowLoopback: true, resolve: async () => [{ address: '10.0.0.5', family: 4 }] })).rejects.toThrow(
      /10\.0\.0\.5, a private .* \(SSRF protection\)/,
    );
    await expect(
      vetTarget('http://mixed.test/x', {
        allowLoopback: false,
        resolve: async () => [
          { address: '93.184.216.34', family: 4 },
          { address: '169.254.169.254', family: 4 },
        ],
      }),
    ).rejects.toThrow(/link-local/);
    await expect(vetTarget(receiver.url, { allowLoopback: false })).rejects.toThrow(/loopback/);
    await expect(vetTarget(receiver.url, { allowLoopback: true })).resolves.toMatchObject({ address: { address: '127.0.0.1' } });

    const { webhook } = await subscribe({ url: 'http://hooks.internal.test/airlock', events: ['action.executed'] });
    const worker = dispatcher({ resolve: async () => [{ address: '192.168.1.20', family: 4 }], retry: { ...fastRetry, maxAttempts: 2 } });
    worker.start();
    try {
      await submit('demo.echo', { message: 'to an internal host' });
      const failed = await waitForDelivery(webhook.id, (d) => d.status === 'failed');
      expect(failed.lastError).toMatch(/192\.168\.1\.20, a private .*SSRF protection/);
      expect(failed.attempts).toBe(2);
    } finally {
      await worker.stop();
      await removeAll();
    }
  });
});

async function argsHashOf(actionId: string): Promise<string> {
  return (await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).argsHash;
}

/** Removes every active subscription (through the use case) so tests do not see each other's deliveries. */
async function removeAll(): Promise<void> {
  for (const w of await h.db.prisma.webhookSubscription.findMany({ where: { removedAt: null } })) {
    await deleteWebhook(apiRequest(`/api/v1/webhooks/${w.id}`, { key: keys.bob, method: 'DELETE' }), ctx, { id: w.id });
  }
}

type Delivery = Awaited<ReturnType<typeof deliveries>>[number];
async function waitForDelivery(webhookId: string, matches: (d: Delivery) => boolean, all: (ds: Delivery[]) => boolean = () => true): Promise<Delivery> {
  for (let i = 0; ; i += 1) {
    const log = await deliveries(`?webhookId=${webhookId}`);
    const found = log.find(matches);
    if (found && all(log)) return found;
    if (i > 600) throw new Error(`no matching delivery: ${JSON.stringify(log)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
