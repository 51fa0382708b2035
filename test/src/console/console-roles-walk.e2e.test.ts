import { createApiKey, createBudget } from '@airlock/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { type BrowserConsole, startBrowserConsole, screenshot, signedIn } from './browser.js';
import { CONSOLE_SETUP_TIMEOUT_MS, type RunningConsole } from './console-app.js';
import { cutOffSelects } from './cut-off-selects.js';

const WIDTHS = [
  ['desktop', 1200, 800],
  ['phone', 390, 844],
] as const;

// Every page as each role sees it, at a desktop and a phone width: none fails, none scrolls sideways,
// every drop-down shows its choice whole (the role selects of /admin/users ran past a phone's edge).
// The screenshots (test/artifacts/roles-*) are for looking at.
describe('every console page, as admin, approver and viewer', () => {
  let h: Harness;
  let ui: BrowserConsole | undefined;
  let app: RunningConsole;
  let browser: Browser;
  let actionId: string;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness();
    await seedTeam(h.db);
    for (const user of ['alice', 'bob', 'victor']) keys[user] = (await createApiKey(h.db, { userId: user })).key;
    await createBudget(h.db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '1000.00' });
    ui = await startBrowserConsole(h);
    ({ app, browser } = ui);
    ({ actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '120.00' })));
  }, CONSOLE_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await ui?.stop();
    await h?.close();
  });

  const pages = (): [string, string][] => [
    ['/', 'inbox'],
    [`/actions/${actionId}`, 'action'],
    ['/audit', 'audit'],
    ['/analytics', 'analytics'],
    ['/agents', 'agents'],
    ['/policies', 'policies'],
    ['/policies/backtest', 'backtest'],
    ['/policies/shadow', 'shadow'],
    ['/webhooks', 'webhooks'],
    ['/admin', 'admin'],
    ['/admin/agents', 'admin-agents'],
    ['/admin/agents/billing-bot', 'admin-agent'],
    ['/admin/users', 'admin-users'],
    ['/admin/users/alice', 'admin-user'],
    ['/admin/slack', 'admin-slack'],
    ['/admin/budgets', 'admin-budgets'],
  ];

  for (const [user, role] of [
    ['bob', 'admin'],
    ['alice', 'approver'],
    ['victor', 'viewer'],
  ] as const) {
    it(`as ${role}`, async () => {
      const { context, page } = await signedIn(browser, app.url, keys[user]!);
      for (const [label, width, height] of WIDTHS) {
        await page.setViewportSize({ width, height });
        for (const [route, name] of pages()) {
          const response = await page.goto(route);
          expect(response?.status(), `${route} as ${role}`).toBeLessThan(500);
          await page.locator('h1').first().waitFor();
          await screenshot(page, `roles-${role}-${label}-${name}`);
          if (name === 'analytics') {
            // A lone budget chart keeps a column's width: stretched across the page, its labels grew to three times the others'.
            const widths = await page.evaluate<number[]>("[...document.querySelectorAll('.small-multiples svg.chart')].map((chart) => chart.getBoundingClientRect().width)");
            expect(widths.length).toBe(1);
            for (const w of widths) expect(w, `a budget chart at ${width} px`).toBeLessThanOrEqual(600);
          }
          const sideways = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
          expect(sideways, `${route} as ${role} at ${width} px is wider than the screen`).toBe(0);
          expect(await cutOffSelects(page), `drop-downs cut off on ${route} as ${role} at ${width} px`).toEqual([]);
        }
      }
      await context.close();
    }, 300_000);
  }
});
