import { createApiKey } from '@airlock/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { type BrowserConsole, screenshot, signedIn, startBrowserConsole } from './browser.js';
import { CONSOLE_SETUP_TIMEOUT_MS, type RunningConsole } from './console-app.js';

// The policies page's dry run of a plan answers as admission does and lists each step's classification.
describe('dry run of a plan on the policies page', () => {
  let h: Harness;
  let ui: BrowserConsole | undefined;
  let app: RunningConsole;
  let browser: Browser;
  let key: string;

  beforeAll(async () => {
    h = await startHarness();
    await seedTeam(h.db);
    key = (await createApiKey(h.db, { userId: 'victor' })).key;
    ui = await startBrowserConsole(h);
    ({ app, browser } = ui);
  }, CONSOLE_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await ui?.stop();
    await h?.close();
  });

  it('shows the plan’s decision from its strictest step and each step’s decision and tier', async () => {
    const { context, page } = await signedIn(browser, app.url, key);
    await page.goto('/policies');
    const steps = [
      { tool: 'demo.echo', args: { message: 'starting' }, description: 'announce' },
      { tool: 'payments.refund', args: { paymentId: 'pay_1', amount: '2500.00', currency: 'USD', reason: 'damaged' } },
    ];
    await page.getByLabel('Tool').fill('airlock.plan');
    await page.getByLabel('Arguments (JSON)').fill(JSON.stringify({ steps }));
    await page.getByRole('button', { name: 'Classify' }).click();
    const status = page.getByRole('status');
    await status.getByText(/require approval · critical · 2 approvals from approver/).waitFor();
    const list = status.getByRole('list', { name: 'Plan steps' });
    await list
      .getByRole('listitem')
      .filter({ hasText: /^demo\.echo \(announce\): allow · low$/ })
      .waitFor();
    await list
      .getByRole('listitem')
      .filter({ hasText: /^payments\.refund: require approval · critical$/ })
      .waitFor();
    await screenshot(page, 'policies-dry-run-plan');
    await context.close();
  });
});
