import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhook, removeWebhook, runUseCase, type Operator } from '@airlock/ops';
import { EVENT_ID_PATTERN, WebhookDispatcher, type DispatcherOptions, type HostResolver } from '@airlock/webhooks';
import { describe, expect, it } from 'vitest';
import { deliveryRow, queueDelivery } from './queued.js';
import { webhookTestBed } from './test-bed.js';

// The dispatcher against receivers that misbehave or attack: endless answers, names that never resolve,
// redirects towards internal addresses, rebinding names, and giving up.
// Deliveries are queued directly and sent with `runOnce`, which returns
// when nothing is due: no waiting on timers.

const bed = webhookTestBed();
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };
const quiet = { info: () => undefined, warn: () => undefined };

// The product's request timeout: an attempt that should succeed must not fail because a busy machine was slow.
const dispatcher = (options: Partial<DispatcherOptions> = {}) =>
  new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true, retry: { baseDelayMs: 60_000, maxAttempts: 5 }, ...options });

async function subscribe(url: string, events: string[] = ['action.executed']): Promise<string> {
  return (await runUseCase({ db: bed.t.db }, admin, createWebhook, { url, events })).webhook.id;
}

const queue = (webhookId: string) => queueDelivery(bed.t.db, webhookId);
const delivery = (id: string) => deliveryRow(bed.t.db, id);

async function remove(webhookId: string) {
  return runUseCase({ db: bed.t.db }, admin, removeWebhook, { webhookId });
}

/** A loopback HTTP server whose answer the test writes; it counts requests. */
async function server(answer: (res: ServerResponse) => void): Promise<{ url: string; requests: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const requests: IncomingHttpHeaders[] = [];
  const s: Server = createServer((req, res) => {
    requests.push(req.headers);
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`,
    requests,
    async close() {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

describe('the dispatcher against hostile or broken receivers', () => {
  it('a receiver that accepts (200) and then streams an endless body is delivered on the first attempt: the body is not read', async () => {
    let streaming = 0;
    const endless = await server((res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      streaming += 1;
      const chunk = Buffer.alloc(64 * 1024, 120);
      const timer = setInterval(() => res.write(chunk), 5);
      res.on('close', () => clearInterval(timer));
    });
    const webhookId = await subscribe(endless.url);
    try {
      const id = await queue(webhookId);
      await dispatcher().runOnce();
      expect(await delivery(id)).toMatchObject({ status: 'delivered', attempts: 1, last_status: 200, last_error: null });
      expect(streaming).toBe(1);
    } finally {
      await remove(webhookId);
      await endless.close();
    }
  });

  it('a host whose name never resolves fails its attempt at the request timeout; the other deliveries of the pass go out', async () => {
    const hanging = await subscribe('http://never-answers.hardening.test/hook');
    const healthy = await subscribe(bed.receiver.url);
    const resolve: HostResolver = (host) => (host === 'never-answers.hardening.test' ? new Promise(() => undefined) : Promise.resolve([{ address: '127.0.0.1', family: 4 }]));
    try {
      const stuck = await queue(hanging);
      const fine = await queue(healthy);
      // Short enough to wait for, long enough for the healthy delivery of the same pass on a busy machine.
      await dispatcher({ resolve, requestTimeoutMs: 5_000 }).runOnce();
      expect(await delivery(fine)).toMatchObject({ status: 'delivered', attempts: 1 });
      const failed = await delivery(stuck);
      expect(failed).toMatchObject({ status: 'pending', attempts: 1, last_status: null });
      expect(failed.last_error).toMatch(/timeout/i);
    } finally {
      await remove(hanging);
      await remove(healthy);
    }
  });

  it('giving up is said: the delivery is failed and the worker warns, naming the delivery and the webhook but never the URL (it may carry a token)', async () => {
    const down = await server((res) => res.writeHead(503).end());
    const webhookId = await subscribe(`${down.url}?token=receiver-secret-token`);
    const warnings: string[] = [];
    try {
      const id = await queue(webhookId);
      // No wait between attempts: one pass makes all three.
      await dispatcher({ logger: { info: () => undefined, warn: (line) => warnings.push(line) }, retry: { baseDelayMs: 0, maxAttempts: 3 } }).runOnce();
      expect(await delivery(id)).toMatchObject({ status: 'failed', attempts: 3, last_status: 503, last_error: 'HTTP 503' });
      expect(down.requests).toHaveLength(3);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(id);
      expect(warnings[0]).toContain(webhookId);
      expect(warnings[0]).toMatch(/gave up .* after 3 attempts \(HTTP 503\)/);
      expect(warnings[0]).not.toContain('receiver-secret-token');
      // And audited, in the transaction that marked it failed.
      const audited = await bed.t.db.prisma.auditEvent.findMany({ where: { type: 'webhook.delivery_failed' }, select: { actor: true, actionId: true, payload: true } });
      expect(audited.filter((row) => (row.payload as { deliveryId?: string }).deliveryId === id)).toEqual([
        {
          actor: 'system:webhooks',
          actionId: null,
          payload: {
            webhookId,
            deliveryId: id,
            eventId: expect.stringMatching(EVENT_ID_PATTERN),
            eventType: 'action.executed',
            attempts: 3,
            lastStatus: 503,
            lastError: 'HTTP 503',
          },
        },
      ]);
    } finally {
      await remove(webhookId);
      await down.close();
    }
  });

  it('a redirect, even to the cloud metadata address or to another local server, is not followed, and the log says why it failed', async () => {
    const elsewhere = await server((res) => res.writeHead(204).end());
    const toMetadata = await server((res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end());
    const toLocal = await server((res) => res.writeHead(307, { location: elsewhere.url }).end());
    const metadataHook = await subscribe(toMetadata.url);
    const localHook = await subscribe(toLocal.url);
    try {
      const first = await queue(metadataHook);
      const second = await queue(localHook);
      await dispatcher().runOnce();
      expect(await delivery(first)).toMatchObject({ status: 'pending', attempts: 1, last_status: 302, last_error: 'HTTP 302: redirects are not followed' });
      expect(await delivery(second)).toMatchObject({ status: 'pending', attempts: 1, last_status: 307, last_error: 'HTTP 307: redirects are not followed' });
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await remove(metadataHook);
      await remove(localHook);
      await Promise.all([elsewhere.close(), toMetadata.close(), toLocal.close()]);
    }
  });

  it('targets are pinned and checked at every attempt: a rebinding name, IPv4-mapped IPv6, and configured values cannot inject headers', async () => {
    // The resolver answers loopback once; the system resolver knows no such name. Delivered: the connection used the checked address.
    let lookups = 0;
    const rebinding = await subscribe(bed.receiver.url.replace('127.0.0.1', 'rebind.hardening.test'));
    const mapped = await subscribe('http://mapped.hardening.test/hook');
    const resolve: HostResolver = async (host) => {
      if (host === 'mapped.hardening.test') return [{ address: '::ffff:169.254.169.254', family: 6 }];
      lookups += 1;
      return lookups === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '169.254.169.254', family: 4 }];
    };
    // A CR/LF in the URL never reaches the request as a header.
    const injecting = await subscribe(`${bed.receiver.url}?q=%0d%0aX-Injected:%201`);
    try {
      const pinned = await queue(rebinding);
      const refused = await queue(mapped);
      const injected = await queue(injecting);
      const before = bed.receiver.received.length;
      await dispatcher({ resolve }).runOnce();
      expect(await delivery(pinned)).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(lookups).toBe(1);
      const mappedAttempt = await delivery(refused);
      expect(mappedAttempt).toMatchObject({ status: 'pending', last_status: null });
      expect(mappedAttempt.last_error).toMatch(/::ffff:a9fe:a9fe|::ffff:169\.254\.169\.254/);
      expect(mappedAttempt.last_error).toMatch(/IPv4-mapped .*SSRF protection/);
      expect(await delivery(injected)).toMatchObject({ status: 'delivered' });
      const arrived = bed.receiver.received.slice(before);
      expect(arrived).toHaveLength(2);
      for (const r of arrived) expect(r.headers['x-injected']).toBeUndefined();
    } finally {
      await Promise.all([rebinding, mapped, injecting].map(remove));
    }
  });
});

describe('a worker stopping mid-attempt', () => {
  it('does not spend the attempt: a delivery on its last try is not given up, and the next worker delivers it', async () => {
    const webhookId = await subscribe(bed.receiver.url);
    const warnings: string[] = [];
    try {
      const id = await queue(webhookId);
      bed.receiver.hold = true;
      const stopping = dispatcher({ logger: { info: () => undefined, warn: (line) => warnings.push(line) }, retry: { baseDelayMs: 60_000, maxAttempts: 1 } });
      stopping.start();
      await bed.receiver.waitFor('the held attempt', () => (bed.receiver.heldCount > 0 ? true : undefined));
      await stopping.stop();
      bed.receiver.dropHeld();
      bed.receiver.hold = false;
      expect(await delivery(id)).toMatchObject({ status: 'pending', attempts: 0 });
      expect(warnings).toEqual([]);

      await dispatcher({ retry: { baseDelayMs: 60_000, maxAttempts: 1 } }).runOnce();
      expect(await delivery(id)).toMatchObject({ status: 'delivered', attempts: 1 });
    } finally {
      bed.receiver.hold = false;
      await remove(webhookId);
    }
  });
});
