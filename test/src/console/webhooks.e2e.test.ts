import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createApiKey } from '@airlock/db';
import { createWebhook, runUseCase } from '@airlock/ops';
import { WebhookDispatcher } from '@airlock/webhooks';
import type { Browser } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { actionIdOf, WebhookReceiver, type ReceivedWebhook } from '../webhooks/receiver.js';
import { until } from '../webhooks/until.js';
import { type BrowserConsole, screenshot, signedIn, startBrowserConsole } from './browser.js';
import { CONSOLE_SETUP_TIMEOUT_MS, type RunningConsole } from './console-app.js';

// The /webhooks page of the built console in headless Chromium: subscribe, see the delivery log, replay.
describe('webhooks in the console', () => {
  let h: Harness;
  let ui: BrowserConsole | undefined;
  let app: RunningConsole;
  let browser: Browser;
  let receiver: WebhookReceiver;
  let dispatcher: WebhookDispatcher;
  const keys = { bob: '', victor: '' };

  beforeAll(async () => {
    h = await startHarness();
    await seedTeam(h.db);
    for (const user of ['bob', 'victor'] as const) keys[user] = (await createApiKey(h.db, { userId: user })).key;
    receiver = await WebhookReceiver.start();
    // The worker's dispatcher, here in the test process (the harness worker runs workflows only).
    dispatcher = new WebhookDispatcher({ db: h.db, logger: { info: () => undefined, warn: () => undefined }, allowLoopback: true, retry: { baseDelayMs: 50 }, pollIntervalMs: 50 });
    dispatcher.start();
    ui = await startBrowserConsole(h);
    ({ app, browser } = ui);
  }, CONSOLE_SETUP_TIMEOUT_MS);

  /** Resolves once the delivery log records the delivery the receiver took (its airlock-delivery-id) as delivered. */
  const recordedDelivered = (received: ReceivedWebhook) =>
    until(`delivery ${String(received.headers['airlock-delivery-id'])} recorded delivered`, async () => {
      const { rows } = await h.db.pool.query<{ status: string }>('SELECT status FROM webhook_deliveries WHERE id = $1', [received.headers['airlock-delivery-id']]);
      return rows[0]?.status === 'delivered';
    });

  afterAll(async () => {
    await ui?.stop();
    await dispatcher?.stop();
    await receiver?.close();
    await h?.close();
  });

  it('an admin adds a webhook (secret shown once), sees the delivery in the log and replays it; a viewer cannot reach the page', async () => {
    const { context, page } = await signedIn(browser, app.url, keys.bob);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByLabel('Receiver URL').fill(receiver.url);
    await page.getByRole('checkbox', { name: 'action.executed' }).check();
    await page.getByLabel('Note').fill('incident bot');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const notice = page.getByRole('status').filter({ hasText: 'Signing secret, shown only now' });
    await notice.waitFor();
    // A read-only field, like a minted API key's, not the notice's text.
    const secret = await notice.getByLabel(/^Signing secret for /).inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    const row = page.getByRole('row').filter({ hasText: receiver.url });
    await row.getByText('incident bot').waitFor();

    const { actionId } = await submitAction(h.client, h.taskQueue, {
      agentId: 'billing-bot',
      tool: 'demo.echo',
      args: { message: 'hello hooks' },
      rationale: 'smoke',
      idempotencyKey: 'console-webhook-1',
    });
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    const first = await receiver.waitFor('the delivery', () => receiver.accepted((b) => b.data.actionId === actionId)[0]);
    // The receiver has it; the log says so once the dispatcher has recorded the answer.
    await recordedDelivered(first);

    await page.reload();
    const logRow = page.getByRole('row').filter({ hasText: 'action.executed' }).filter({ hasText: 'delivered' });
    await logRow.waitFor();
    expect(await logRow.getByText('HTTP 204').count()).toBe(1);
    await logRow.getByRole('button', { name: /^Replay action\.executed/ }).click();
    await page.getByRole('status').filter({ hasText: 'Queued action.executed again' }).waitFor();
    const replayed = await receiver.waitFor('the replay', () => receiver.accepted((b) => b.data.actionId === actionId)[1]);
    expect(replayed.headers['webhook-id']).toBe(first.headers['webhook-id']);
    const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((n) => [n, String(replayed.headers[n])]));
    expect(new Webhook(secret).verify(replayed.body, headers)).toMatchObject({ type: 'action.executed', data: { actionId } });
    await recordedDelivered(replayed);
    await page.reload();
    await page.getByRole('row').filter({ hasText: '(replay)' }).filter({ hasText: 'delivered' }).waitFor();
    await screenshot(page, 'webhooks');
    await context.close();

    const audit = await h.db.prisma.auditEvent.findMany({ where: { type: { startsWith: 'webhook.' } }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => [e.type, e.actor])).toEqual([
      ['webhook.created', 'user:bob'],
      ['webhook.replayed', 'user:bob'],
    ]);

    const viewer = await signedIn(browser, app.url, keys.victor);
    expect(await viewer.page.getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
    await viewer.page.goto('/webhooks');
    await viewer.page.waitForURL(/\/\?denied=1$/);
    await viewer.context.close();
  }, 240_000);
  it('the delivery log filters by event id (the webhook-id a receiver saw), shows what a Retry-After did, and refuses a malformed id naming the field', async () => {
    await runUseCase({ db: h.db }, { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' }, createWebhook, { url: receiver.url, events: ['action.executed'] });
    const run = async (key: string) => {
      const { actionId } = await submitAction(h.client, h.taskQueue, {
        agentId: 'billing-bot',
        tool: 'demo.echo',
        args: { message: key },
        rationale: 'smoke',
        idempotencyKey: key,
      });
      expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
      return actionId;
    };
    const delivered = await run('console-webhook-filter-1');
    const eventOf = (actionId: string, status: number) =>
      receiver
        .waitFor(`a ${status} to ${actionId}`, () => receiver.received.find((r) => r.status === status && actionIdOf(r) === actionId))
        .then((r) => String(r.headers['webhook-id']));
    const deliveredEvent = await eventOf(delivered, 204);
    // The next event's receiver is busy and says when to come back.
    receiver.answer = () => 503;
    receiver.answerHeaders = () => ({ 'retry-after': '600' });
    let delayedEvent: string;
    try {
      delayedEvent = await eventOf(await run('console-webhook-filter-2'), 503);
    } finally {
      receiver.answer = () => 204;
      receiver.answerHeaders = () => ({});
    }

    const { context, page } = await signedIn(browser, app.url, keys.bob);
    await page.goto('/webhooks');
    const log = page.getByRole('region', { name: 'Delivery log' });
    const field = page.getByLabel('Event id (the webhook-id header)');
    const rows = log.getByRole('row').filter({ hasText: /evt_/ });

    await field.fill(delayedEvent);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(new RegExp(`eventId=${delayedEvent}`));
    await rows.first().waitFor();
    // Every row is the filtered event's (one per subscription that takes it), none the other event's.
    expect(await rows.filter({ hasText: delayedEvent }).count()).toBe(await rows.count());
    expect(await rows.filter({ hasText: deliveredEvent }).count()).toBe(0);
    const delayed = rows.filter({ hasText: 'pending' }).first();
    await delayed.getByText('HTTP 503; Retry-After 600 s: the next attempt waits for it').waitFor();
    await delayed.getByText(/^next try /).waitFor();
    await screenshot(page, 'webhooks-delivery-filter');

    await field.fill(deliveredEvent);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(new RegExp(`eventId=${deliveredEvent}`));
    await rows.filter({ hasText: deliveredEvent }).first().waitFor();
    expect(await rows.filter({ hasText: delayedEvent }).count()).toBe(0);

    // Not an event id: refused in the use case's words under the field's name; what was typed stays to be corrected.
    await field.fill('evt_oops');
    await page.getByRole('button', { name: 'Filter' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'Event id:' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toBe('Event id: must be an event id like evt_<seq>_<n> or ckpt_<n> (the webhook-id header)');
    expect(await field.inputValue()).toBe('evt_oops');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await rows.count()).toBe(0);
    await screenshot(page, 'webhooks-delivery-filter-refused');

    await log.getByRole('link', { name: 'All deliveries' }).click();
    await page.waitForURL(/\/webhooks(#deliveries)?$/);
    await rows.filter({ hasText: deliveredEvent }).first().waitFor();
    await rows.filter({ hasText: delayedEvent }).first().waitFor();

    // A long last answer (the Retry-After note) takes the room it needs without squeezing the Event column:
    // an event type is read whole, on one line (an inline element broken over lines has a box per line).
    const brokenEventTypes = () =>
      page.evaluate<string[]>(
        `[...document.querySelectorAll('section[aria-labelledby="deliveries"] tr[data-delivery] td:nth-child(2) code')].filter((type) => type.getClientRects().length > 1).map((type) => type.textContent)`,
      );
    for (const width of [1200, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await screenshot(page, `webhooks-delivery-log-${width}`);
      expect(await log.locator('tr[data-delivery] td:nth-child(2) code').count()).toBeGreaterThan(0);
      expect(await brokenEventTypes(), `at ${width} px`).toEqual([]);
    }
    await context.close();
  }, 240_000);
});
