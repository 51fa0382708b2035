import { createApiKey } from '@airlock/db';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { type BrowserConsole, startBrowserConsole, screenshot, signedIn } from './browser.js';
import { CONSOLE_SETUP_TIMEOUT_MS, type RunningConsole } from './console-app.js';

/** The reference the error page shows, after it appears. */
async function shownReference(page: Page): Promise<string> {
  await page.getByRole('heading', { name: 'This page could not be shown', level: 1 }).waitFor();
  const text = (await page.getByText(/^Reference /).textContent()) ?? '';
  const reference = /^Reference (\S+):/.exec(text)?.[1];
  expect(reference, text).toBeDefined();
  return reference!;
}

/** The console's JSON log line that carries `digest`, once it is written. */
async function loggedFailure(app: RunningConsole, digest: string): Promise<Record<string, unknown>> {
  let line: Record<string, unknown> | undefined;
  await expect
    .poll(
      () => {
        for (const raw of app.output().split('\n')) {
          if (!raw.startsWith('{')) continue;
          const parsed = JSON.parse(raw) as Record<string, unknown>;
          if (parsed.digest === digest) line = parsed;
        }
        return line !== undefined;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  return line!;
}

// A page whose data cannot be read, for real: a table the page reads renamed under the running
// console (what a migration gone wrong or a dropped table does), then put back.
describe('a console page that fails on the server', () => {
  let h: Harness;
  let ui: BrowserConsole | undefined;
  let app: RunningConsole;
  let browser: Browser;
  let bob: string;
  let victor: string;
  const renamed: [string, string][] = [];

  const rename = async (table: string) => {
    await h.db.prisma.$executeRawUnsafe(`ALTER TABLE "${table}" RENAME TO "${table}_away"`);
    renamed.push([`${table}_away`, table]);
  };
  const putBack = async () => {
    for (const [from, to] of renamed.splice(0)) await h.db.prisma.$executeRawUnsafe(`ALTER TABLE "${from}" RENAME TO "${to}"`);
  };

  beforeAll(async () => {
    h = await startHarness();
    await seedTeam(h.db);
    bob = (await createApiKey(h.db, { userId: 'bob' })).key;
    victor = (await createApiKey(h.db, { userId: 'victor' })).key;
    ui = await startBrowserConsole(h);
    ({ app, browser } = ui);
  }, CONSOLE_SETUP_TIMEOUT_MS);

  afterEach(putBack);

  afterAll(async () => {
    await ui?.stop();
    await h?.close();
  });

  it('shows what happened and a reference inside the console’s top bar, logs the same reference, and recovers on retry', async () => {
    const { context, page } = await signedIn(browser, app.url, bob);
    await rename('webhook_deliveries');
    const response = await page.goto('/webhooks');
    expect(response?.status()).toBe(500);
    const reference = await shownReference(page);
    // The layout read the session and still shows the navigation.
    const nav = page.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: 'Audit log' }).waitFor();
    await page.getByRole('link', { name: 'Back to the inbox' }).waitFor();
    await screenshot(page, 'errors-page-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'errors-page-phone');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
    await page.setViewportSize({ width: 1200, height: 800 });

    const logged = await loggedFailure(app, reference);
    expect(logged).toMatchObject({ level: 'error', path: '/webhooks', method: 'GET' });
    expect(JSON.stringify(logged.err)).toContain('webhook_deliveries');
    // The person's page names no table, query or stack.
    expect(await page.locator('body').textContent()).not.toContain('webhook_deliveries');

    // The cause passes; "Try again" loads the page in place.
    await putBack();
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    expect(await page.getByRole('heading', { name: 'This page could not be shown' }).count()).toBe(0);
    await context.close();
  });

  it('a failure while reading the session shows the same page without the top bar, with a way back', async () => {
    const { context, page } = await signedIn(browser, app.url, bob);
    await rename('users');
    const response = await page.goto('/audit');
    expect(response?.status()).toBe(500);
    const reference = await shownReference(page);
    expect(await page.getByRole('navigation', { name: 'Console' }).count()).toBe(0);
    await screenshot(page, 'errors-layout-desktop');
    expect(await loggedFailure(app, reference)).toMatchObject({ path: '/audit' });

    await putBack();
    await page.getByRole('link', { name: 'Back to the inbox' }).click();
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
    await context.close();
  });
  it('a refused admin page and an unknown action answer inside the top bar', async () => {
    const { context, page } = await signedIn(browser, app.url, victor);
    const nav = page.getByRole('navigation', { name: 'Console' });
    expect((await page.goto('/admin/agents'))?.status()).toBe(403);
    await page.getByRole('heading', { name: 'Not allowed', level: 1 }).waitFor();
    await nav.getByRole('link', { name: 'Audit log' }).waitFor();
    await screenshot(page, 'errors-forbidden-in-console');
    expect((await page.goto('/actions/00000000-0000-4000-8000-000000000000'))?.status()).toBe(404);
    await page.getByRole('heading', { name: 'Not found', level: 1 }).waitFor();
    await nav.getByRole('link', { name: 'Audit log' }).waitFor();
    await context.close();
  });
});
