import { appendAudit, createAgent, createApiKey, createUser } from '@airlock/db';
import { createLocalUser } from '@airlock/db/accounts';
import { disableUser, revokeKey, runUseCase, userOperator } from '@airlock/ops';
import { resetPassword } from '@airlock/ops/accounts';
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { uncatalogued } from '../support/uncatalogued.js';
import { passwordSignIn, signedIn, useBrowserConsole } from './browser.js';

interface FeedEvent {
  event: string;
  data: string;
}

/** The live feed (/api/console/events) read as a browser's EventSource reads it, with the session of `context`. */
class LiveFeed {
  private buffered = '';
  private readonly decoder = new TextDecoder();

  private constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  static async open(baseUrl: string, context: BrowserContext): Promise<LiveFeed> {
    const response = await fetch(`${baseUrl}/api/console/events`, { headers: { cookie: await cookieHeader(context) } });
    expect(response.status).toBe(200);
    return new LiveFeed(response.body!.getReader());
  }

  /** The next event, or null once the server has closed the stream. */
  async next(): Promise<FeedEvent | null> {
    for (;;) {
      const end = this.buffered.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(end + 2);
        const event = parseEvent(block);
        if (event) return event;
      }
      const { done, value } = await this.reader.read();
      if (done) return null;
      this.buffered += this.decoder.decode(value, { stream: true });
    }
  }

  /** Reads until an `audit` event carries `seq`. */
  async untilSeq(seq: bigint): Promise<void> {
    for (;;) {
      const event = await this.next();
      expect(event, `the feed closed before row ${seq}`).not.toBeNull();
      if (event!.event === 'audit' && seqsOf(event!).includes(seq.toString())) return;
    }
  }

  /** Reads until the server closes the stream, failing at once if it passes on any of the `withheld` rows. */
  async untilClosed(withheld: bigint[] = []): Promise<void> {
    for (let event = await this.next(); event !== null; event = await this.next()) {
      if (event.event !== 'audit') continue;
      for (const seq of withheld) expect(seqsOf(event), `row ${seq} went out after the session ended`).not.toContain(seq.toString());
    }
  }
}

/** One SSE block as an event, or null for a comment (the heartbeat). */
function parseEvent(block: string): FeedEvent | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice('event: '.length);
    else if (line.startsWith('data: ')) data.push(line.slice('data: '.length));
  }
  return data.length ? { event, data: data.join('\n') } : null;
}

const seqsOf = (event: FeedEvent) => (JSON.parse(event.data) as Array<{ seq: string }>).map((signal) => signal.seq);

async function cookieHeader(context: BrowserContext): Promise<string> {
  return (await context.cookies()).map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
}

// Where the console meets input it did not expect, and sessions that end while a page is open:
// the built console (`next start`) in real headless Chromium, against real PostgreSQL and Temporal.
describe('the console at its edges', () => {
  const bed = useBrowserConsole({ keys: ['bob', 'victor'] });

  const admin = userOperator({ id: 'bob', role: 'admin' }, 'console');
  let rows = 0;

  /** An audit row no session check is due for; its seq. */
  const unrelatedRow = async () => {
    const [row] = await appendAudit(bed.h.db, uncatalogued({ eventKey: `bounds-${++rows}`, type: 'test.unrelated', actor: 'user:bob', payload: {} }));
    return row!.seq;
  };

  it('sends a signed-in person only to a path on the console, however the return path is spelled', async () => {
    const { context } = await signedIn(bed.browser, bed.app.url, bed.keys.victor);
    for (const next of ['/.//evil.example', '/a/..//evil.example', '/%2e//evil.example', '/./\\evil.example', '/..//evil.example', '//evil.example']) {
      const response = await context.request.get(`/sign-in?next=${encodeURIComponent(next)}`, { maxRedirects: 0 });
      expect(response.status(), next).toBe(307);
      const location = new URL(response.headers().location!, bed.app.url);
      expect(location.origin, next).toBe(new URL(bed.app.url).origin);
    }
    const kept = await context.request.get(`/sign-in?next=${encodeURIComponent('/audit?type=user.signed_in')}`, { maxRedirects: 0 });
    expect(kept.headers().location).toBe('/audit?type=user.signed_in');
    await context.close();
  });

  it('ignores audit filters the database cannot hold, on the page and in the exports', async () => {
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.victor);
    const unheld = ['before=9999999999999999999', 'from=-100000-01-01T00:00', 'to=%2B200000-01-01T00:00', 'actor=user%3A%00bob'];
    for (const query of unheld) {
      const response = await page.goto(`/audit?${query}`);
      expect(response?.status(), query).toBe(200);
      await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    }
    const total = await bed.h.db.prisma.auditEvent.count();
    for (const query of unheld) {
      const jsonl = await context.request.get(`/api/console/audit/export?format=jsonl&${query}`);
      expect(jsonl.status(), query).toBe(200);
      // The whole log: the filter was dropped, and the download did not break off.
      expect((await jsonl.text()).trim().split('\n').length, query).toBeGreaterThanOrEqual(total);
    }
    await context.close();
  });

  it('the live feed ends once the person is disabled, before it passes on the row that disabled them', async () => {
    await createUser(bed.h.db, { id: 'gina', role: 'viewer' });
    const { context } = await signedIn(bed.browser, bed.app.url, (await createApiKey(bed.h.db, { userId: 'gina' })).key);
    const feed = await LiveFeed.open(bed.app.url, context);
    expect((await feed.next())?.event).toBe('ready');
    const before = await unrelatedRow();
    await feed.untilSeq(before);

    await runUseCase({ db: bed.h.db }, admin, disableUser, { id: 'gina', reason: 'left the company' });
    const disabled = await bed.h.db.prisma.auditEvent.findFirstOrThrow({ where: { type: 'user.disabled', payload: { path: ['userId'], equals: 'gina' } } });
    await feed.untilClosed([disabled.seq, await unrelatedRow()]);
    // The browser's reconnect is refused.
    expect((await fetch(`${bed.app.url}/api/console/events`, { headers: { cookie: await cookieHeader(context) } })).status).toBe(401);
    await context.close();
  });

  it('the live feed ends once the key it was opened with is revoked', async () => {
    const spare = await createApiKey(bed.h.db, { userId: 'victor' }, 'spare');
    const { context } = await signedIn(bed.browser, bed.app.url, spare.key);
    const feed = await LiveFeed.open(bed.app.url, context);
    expect((await feed.next())?.event).toBe('ready');
    await runUseCase({ db: bed.h.db }, admin, revokeKey, { id: spare.id });
    await feed.untilClosed([await unrelatedRow()]);
    await context.close();
  });

  it('the live feed ends once the password it was opened with is reset', async () => {
    const { oneTimePassword } = await createLocalUser(bed.h.db, { id: 'hana', email: 'hana@example.test', name: 'Hana', role: 'viewer' }, 'test');
    const { context, page } = await passwordSignIn(bed.browser, bed.app.url, 'hana@example.test', oneTimePassword);
    await page.waitForURL(/\/set-password$/);
    await page.getByLabel('One-time password').fill(oneTimePassword);
    await page.getByLabel('New password', { exact: true }).fill('correct horse battery staple');
    await page.getByLabel('Repeat new password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    const feed = await LiveFeed.open(bed.app.url, context);
    expect((await feed.next())?.event).toBe('ready');
    await resetPassword({ db: bed.h.db }, admin, { id: 'hana' });
    await feed.untilClosed([await unrelatedRow()]);
    await context.close();
  });

  it('the live feed ends at its next heartbeat when the session ends without an audit row', async () => {
    const spare = await createApiKey(bed.h.db, { userId: 'victor' }, 'expiring');
    const { context } = await signedIn(bed.browser, bed.app.url, spare.key);
    const feed = await LiveFeed.open(bed.app.url, context);
    expect((await feed.next())?.event).toBe('ready');
    // A key that has run out (expires_at passed): no use case, no audit row; the heartbeat's check finds it.
    await bed.h.db.prisma.apiKey.update({ where: { id: spare.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    await feed.untilClosed();
    await context.close();
  });

  // Next 16 hands a page its params percent-encoded (getDynamicParam encodes what the route matcher decoded):
  // the admin pages decode them once, and must, or an id with a ':' would not be found.
  it('an admin page of an id with a % in its URL answers (a 404 for no such id), and an encoded id is found', async () => {
    await createAgent(bed.h.db, { id: 'ops:bot', team: 'ops' });
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.bob);
    expect((await page.goto(`/admin/agents/${encodeURIComponent('ops:bot')}`))?.status()).toBe(200);
    await page.getByRole('heading', { name: 'ops:bot', level: 1 }).waitFor();
    for (const path of ['/admin/agents/%25', '/admin/users/%25', '/admin/agents/100%25', '/admin/users/a%25b']) {
      expect((await page.goto(path))?.status(), path).toBe(404);
    }
    await context.close();
  });
});
