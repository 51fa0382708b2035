import { defaultActivityDeps } from '@airlock/activities';
import { createApiKey, createUser } from '@airlock/db';
import { compilePolicy, type CompiledPolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { type BrowserConsole, screenshot, signedIn, startBrowserConsole } from './browser.js';
import { CONSOLE_SETUP_TIMEOUT_MS, type RunningConsole } from './console-app.js';

const defaultPolicy = loadPolicyFile(DEFAULT_POLICY_FILE);
const financePolicy = compilePolicy(
  `apiVersion: airlock/v1
rules:
  - id: finance-refunds
    tools: [payments.refund]
    tier: medium
    outcome: require_approval
    reason: refunds need finance
    approval: { group: finance }
`,
  'finance-policy',
);
let activePolicy: CompiledPolicy = defaultPolicy;

// Whom the workflow would refuse is told so on the action page and in the inbox, in the same words, with no form to fail.
describe('who may not decide an action', () => {
  let h: Harness;
  let ui: BrowserConsole | undefined;
  let app: RunningConsole;
  let browser: Browser;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness({ deps: (db) => defaultActivityDeps(db, { current: () => activePolicy }) });
    await seedTeam(h.db);
    await createUser(h.db, { id: 'carol', role: 'approver' });
    await createUser(h.db, { id: 'fay', role: 'approver', groups: ['finance'] });
    for (const user of ['alice', 'carol', 'owner', 'victor', 'fay']) keys[user] = (await createApiKey(h.db, { userId: user })).key;
    ui = await startBrowserConsole(h);
    ({ app, browser } = ui);
  }, CONSOLE_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await ui?.stop();
    await h?.close();
  });

  /** The action page says why, in its own region, and offers neither the form nor its buttons. */
  async function expectNoDecision(page: Page, actionId: string, why: string, shot: string) {
    await page.goto(`/actions/${actionId}`);
    const region = page.getByRole('region', { name: 'Your decision' });
    expect(await region.getByText(why, { exact: true }).textContent()).toBe(why);
    expect(await page.getByRole('heading', { name: 'Decide' }).count()).toBe(0);
    for (const name of ['Approve', 'Deny']) expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
    expect(await page.getByLabel('Comment (on a denial, the reason the agent receives)').count()).toBe(0);
    await screenshot(page, shot);
  }

  /** The inbox row says the same and has no buttons. */
  async function expectInboxSays(page: Page, actionId: string, why: string) {
    await page.goto('/');
    const row = page.locator(`article[data-action-id="${actionId}"]`);
    await row.getByText(why, { exact: true }).waitFor();
    expect(await row.getByRole('button').count()).toBe(0);
  }

  it('tells the person who requested the action that another approver decides it', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '75.00', requestedBy: 'carol' }));
    const { context, page } = await signedIn(browser, app.url, keys.carol!);
    const why = 'You asked for this action: another approver decides it.';
    await expectInboxSays(page, actionId, why);
    await expectNoDecision(page, actionId, why, 'action-own-request');
    await context.close();

    // Another approver is offered the form.
    const alice = await signedIn(browser, app.url, keys.alice!);
    await alice.page.goto(`/actions/${actionId}`);
    await alice.page.getByRole('heading', { name: 'Decide' }).waitFor();
    await alice.context.close();
  });

  it('tells the owner of the requesting agent that another approver decides it', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '76.00' }));
    const { context, page } = await signedIn(browser, app.url, keys.owner!);
    const why = 'You own the agent that asked for this action: another approver decides it.';
    await expectInboxSays(page, actionId, why);
    await expectNoDecision(page, actionId, why, 'action-own-agent');
    await context.close();
  });

  it('tells an approver outside the round’s group, and one made an approver after it opened, that they are not its approvers', async () => {
    activePolicy = financePolicy;
    try {
      const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '77.00' }));
      const why = 'You are not among the approvers of this round (approver role or higher in finance, fixed when it opened): another approver decides it.';
      const alice = await signedIn(browser, app.url, keys.alice!);
      await expectInboxSays(alice.page, actionId, why);
      await expectNoDecision(alice.page, actionId, why, 'action-not-in-group');
      await alice.context.close();

      // Joining finance now does not make alice an approver of the open round: the workflow fixed them when it opened.
      await h.db.prisma.user.update({ where: { id: 'alice' }, data: { groups: ['finance'] } });
      const later = await signedIn(browser, app.url, keys.alice!);
      await expectNoDecision(later.page, actionId, why, 'action-joined-group-later');
      await later.context.close();

      const fay = await signedIn(browser, app.url, keys.fay!);
      await fay.page.goto(`/actions/${actionId}`);
      await fay.page.getByRole('heading', { name: 'Decide' }).waitFor();
      await fay.context.close();
    } finally {
      activePolicy = defaultPolicy;
      await h.db.prisma.user.update({ where: { id: 'alice' }, data: { groups: [] } });
    }
  });

  it('tells a viewer their role may view but not decide', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '78.00' }));
    const { context, page } = await signedIn(browser, app.url, keys.victor!);
    await expectNoDecision(page, actionId, 'Your role (viewer) may view this action but not decide it.', 'action-viewer');
    await context.close();
  });
});
