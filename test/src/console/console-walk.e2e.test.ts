import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApiKey, createBudget } from '@airlock/db';
import { createLocalUser } from '@airlock/db/accounts';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { type BrowserConsole, passwordSignIn, screenshot, signedIn, startBrowserConsole } from './browser.js';
import { CONSOLE_SETUP_TIMEOUT_MS, type RunningConsole } from './console-app.js';

/** What has the keyboard focus: its role and text. */
async function focused(page: Page): Promise<{ role: string | null; text: string }> {
  const element = page.locator(':focus');
  return { role: await element.getAttribute('role'), text: (await element.textContent()) ?? '' };
}

// The console walked as the people who use it: what a refused form keeps, where the focus goes, what money and sessions read like.
describe('the console, walked', () => {
  let h: Harness;
  let ui: BrowserConsole | undefined;
  let app: RunningConsole;
  let browser: Browser;
  let policyDir: string;
  let policyFile: string;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness();
    await seedTeam(h.db);
    for (const user of ['alice', 'bob']) keys[user] = (await createApiKey(h.db, { userId: user })).key;
    // /policies shows the policy file's path, so whether it fits a phone depended on where the
    // checkout lives (CI's path was 45 px too wide). The same policy, from a path wider than any phone
    // with no hyphen (a line may break after one) in its long name.
    policyDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-walk-'));
    const deep = path.join(policyDir, 'a_directory_name_long_enough_to_be_wider_than_a_phone_screen');
    await mkdir(deep, { recursive: true });
    policyFile = path.join(deep, 'default.yaml');
    await copyFile(DEFAULT_POLICY_FILE, policyFile);
    ui = await startBrowserConsole(h, { AIRLOCK_POLICY_FILE: policyFile });
    ({ app, browser } = ui);
  }, CONSOLE_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await ui?.stop();
    await h?.close();
    if (policyDir) await rm(policyDir, { recursive: true, force: true });
  });

  it('keeps the typed email after a wrong password and puts the focus on why', async () => {
    await createLocalUser(h.db, { id: 'pat', email: 'pat@example.test', name: 'Pat', role: 'approver' }, 'test');
    const { context, page } = await passwordSignIn(browser, app.url, 'pat@example.test', 'not the password at all');
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    expect(await page.getByLabel('Email').inputValue()).toBe('pat@example.test');
    await expect.poll(() => focused(page), { timeout: 5_000 }).toEqual({ role: 'alert', text: 'Wrong email or password.' });
    await screenshot(page, 'walk-wrong-password');
    await context.close();
  });

  it('keeps what an admin typed when a webhook URL is refused, and focuses the refusal', async () => {
    const { context, page } = await signedIn(browser, app.url, keys.bob!);
    await page.goto('/webhooks');
    await page.getByLabel('Receiver URL').fill('http://10.0.0.5/airlock');
    await page.getByRole('checkbox', { name: 'action.executed' }).check();
    await page.getByLabel('Note').fill('billing listener');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: /Add refused: .*private/ });
    await refusal.waitFor();
    expect(await page.getByLabel('Receiver URL').inputValue()).toBe('http://10.0.0.5/airlock');
    expect(await page.getByRole('checkbox', { name: 'action.executed' }).isChecked()).toBe(true);
    expect(await page.getByLabel('Note').inputValue()).toBe('billing listener');
    await expect.poll(async () => (await focused(page)).role, { timeout: 5_000 }).toBe('alert');
    await screenshot(page, 'walk-webhook-refused');

    // Corrected, it is added and the form clears for the next one.
    await page.getByLabel('Receiver URL').fill('https://hooks.example.com/airlock');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByRole('status').filter({ hasText: 'Signing secret, shown only now' }).waitFor();
    expect(await page.getByLabel('Receiver URL').inputValue()).toBe('');
    await context.close();
  });

  it('names the currency of every amount of a budget, on the budgets page and on an action it applies to', async () => {
    await createBudget(h.db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '1000.00' });
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '75.00' }));
    const { context, page } = await signedIn(browser, app.url, keys.bob!);
    await page.goto('/admin/budgets');
    const row = page.getByRole('row').filter({ hasText: 'billing-bot' });
    const cells = await row.getByRole('cell').allTextContents();
    // Spent, reserved, remaining: each amount with its currency.
    for (const cell of cells.slice(1, 4)) expect(cell.trim()).toMatch(/^\d+\.\d{2} USD$/);
    await screenshot(page, 'walk-budgets');

    await page.goto(`/actions/${actionId}`);
    const impact = page.getByRole('table', { name: 'Budget impact' });
    const impactCells = (await impact.getByRole('row').nth(1).getByRole('cell').allTextContents()).map((c) => c.trim());
    expect(impactCells.slice(1)).toEqual(['1000.00 USD', expect.stringMatching(/^\d+\.\d{2} USD$/), expect.stringMatching(/^\d+\.\d{2} USD$/), '75.00 USD']);
    await context.close();
  });

  it('keeps a decision typed when the session ended under it, and offers signing in again in another tab', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '76.00' }));
    const first = await createApiKey(h.db, { userId: 'alice' });
    const { context, page } = await signedIn(browser, app.url, first.key);
    await page.goto(`/actions/${actionId}`);
    const comment = page.getByLabel('Comment (on a denial, the reason the agent receives)');
    await comment.fill('not this customer');
    await h.db.prisma.apiKey.update({ where: { id: first.id }, data: { revokedAt: new Date() } });

    await page.getByRole('button', { name: 'Deny' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Your session has ended.' });
    await alert.waitFor();
    expect(await comment.inputValue()).toBe('not this customer');
    await expect.poll(async () => (await focused(page)).role, { timeout: 5_000 }).toBe('alert');
    await screenshot(page, 'walk-session-ended');

    // The link opens another tab (this one keeps the form) at sign-in, which returns to this page.
    const link = alert.getByRole('link', { name: 'Sign in again in a new tab' });
    expect(await link.getAttribute('target')).toBe('_blank');
    const tab = await context.newPage();
    await tab.goto((await link.getAttribute('href'))!);
    await tab.getByLabel('API key').fill(keys.alice!);
    await tab.getByRole('button', { name: 'Sign in with API key' }).click();
    await tab.waitForURL((url) => url.pathname === `/actions/${actionId}`);
    await tab.close();

    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByText(/^You denied this at .* UTC\.$/).waitFor();
    const decision = await h.db.prisma.approvalDecision.findFirstOrThrow({ where: { approval: { actionId } } });
    expect(decision).toMatchObject({ userId: 'alice', decision: 'deny', comment: 'not this customer' });
    await context.close();
  });

  it('fits a phone-width screen: no page scrolls sideways, wide tables scroll in their own box', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '77.00' }));
    const { context, page } = await signedIn(browser, app.url, keys.bob!);
    await page.setViewportSize({ width: 390, height: 844 });
    const pages: [string, string][] = [
      ['/', 'inbox'],
      [`/actions/${actionId}`, 'action'],
      ['/audit', 'audit'],
      ['/agents', 'agents'],
      ['/policies', 'policies'],
      ['/analytics', 'analytics'],
      ['/webhooks', 'webhooks'],
      ['/admin/agents', 'admin-agents'],
      ['/admin/users', 'admin-users'],
      ['/admin/budgets', 'admin-budgets'],
    ];
    for (const [route, name] of pages) {
      await page.goto(route);
      if (name === 'policies') await page.getByText(policyFile, { exact: true }).waitFor();
      await screenshot(page, `walk-phone-${name}`);
      const sideways = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(sideways, `${route} is wider than the screen`).toBe(0);
    }
    await context.close();
  });

  it('answers an action that does not exist with a page in the console’s words and a way back', async () => {
    const { context, page } = await signedIn(browser, app.url, keys.alice!);
    const response = await page.goto('/actions/00000000-0000-4000-8000-000000000000');
    expect(response?.status()).toBe(404);
    await page.getByRole('heading', { name: 'Not found', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Back to the inbox' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await context.close();
  });
});
