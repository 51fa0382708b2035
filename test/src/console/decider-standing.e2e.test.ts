import { defaultActivityDeps } from '@airlock/activities';
import { createUser } from '@airlock/db';
import { compilePolicy, type CompiledPolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { screenshot, signedIn, useBrowserConsole } from './browser.js';

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
  const bed = useBrowserConsole({
    deps: (db) => defaultActivityDeps(db, { current: () => activePolicy }),
    seed: async (h) => {
      await createUser(h.db, { id: 'carol', role: 'approver' });
      await createUser(h.db, { id: 'fay', role: 'approver', groups: ['finance'] });
    },
    keys: ['alice', 'carol', 'owner', 'victor', 'fay'],
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
    const { actionId } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '75.00', requestedBy: 'carol' }));
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.carol);
    const why = 'You asked for this action: another approver decides it.';
    await expectInboxSays(page, actionId, why);
    await expectNoDecision(page, actionId, why, 'action-own-request');
    await context.close();

    // Another approver is offered the form.
    const alice = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
    await alice.page.goto(`/actions/${actionId}`);
    await alice.page.getByRole('heading', { name: 'Decide' }).waitFor();
    await alice.context.close();
  });

  it('tells the owner of the requesting agent that another approver decides it', async () => {
    const { actionId } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '76.00' }));
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.owner);
    const why = 'You own the agent that asked for this action: another approver decides it.';
    await expectInboxSays(page, actionId, why);
    await expectNoDecision(page, actionId, why, 'action-own-agent');
    await context.close();
  });

  it('tells an approver outside the round’s group, and one made an approver after it opened, that they are not its approvers', async () => {
    activePolicy = financePolicy;
    try {
      const { actionId } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '77.00' }));
      const why = 'You are not among the approvers of this round (approver role or higher in finance, fixed when it opened): another approver decides it.';
      const alice = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
      await expectInboxSays(alice.page, actionId, why);
      await expectNoDecision(alice.page, actionId, why, 'action-not-in-group');
      await alice.context.close();

      // Joining finance now does not make alice an approver of the open round: the workflow fixed them when it opened.
      await bed.h.db.prisma.user.update({ where: { id: 'alice' }, data: { groups: ['finance'] } });
      const later = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
      await expectNoDecision(later.page, actionId, why, 'action-joined-group-later');
      await later.context.close();

      const fay = await signedIn(bed.browser, bed.app.url, bed.keys.fay);
      await fay.page.goto(`/actions/${actionId}`);
      await fay.page.getByRole('heading', { name: 'Decide' }).waitFor();
      await fay.context.close();
    } finally {
      activePolicy = defaultPolicy;
      await bed.h.db.prisma.user.update({ where: { id: 'alice' }, data: { groups: [] } });
    }
  });

  it('tells a viewer their role may view but not decide', async () => {
    const { actionId } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '78.00' }));
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.victor);
    await expectNoDecision(page, actionId, 'Your role (viewer) may view this action but not decide it.', 'action-viewer');
    await context.close();
  });
});
