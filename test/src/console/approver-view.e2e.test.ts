import { defaultActivityDeps } from '@airlock/activities';
import { actionHandle, awaitOutcome } from '@airlock/core/gateway';
import { createUser } from '@airlock/db';
import { decide, userOperator } from '@airlock/ops';
import type { CompiledPolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { escalatingDeadlinePolicy } from '../support/escalating-policy.js';
import { screenshot, signedIn, useBrowserConsole } from './browser.js';

const defaultPolicy = loadPolicyFile(DEFAULT_POLICY_FILE);
let activePolicy: CompiledPolicy = defaultPolicy;

// What an approver sees before and after deciding, in the built console in real Chromium.
describe('the approver’s view', () => {
  const bed = useBrowserConsole({
    deps: (db) => defaultActivityDeps(db, { current: () => activePolicy }),
    seed: async (h) => {
      await createUser(h.db, { id: 'carol', role: 'approver' });
      await createUser(h.db, { id: 'dana', name: 'Dana Lee', email: 'dana@example.com', role: 'approver' });
    },
    keys: ['alice', 'carol', 'dana'],
  });

  it('shows the arguments an approval lets run, in the inbox row and in the confirmation, redacted', async () => {
    const { actionId } = await submitAndWaitForApproval(
      bed.h.client,
      bed.h.taskQueue,
      refundRequest({ args: { paymentId: 'pay_881', amount: '125.00', currency: 'USD', reason: 'charged twice, customer jane.doe@example.com' } }),
    );
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
    const row = page.locator(`article[data-action-id="${actionId}"]`);
    const args = row.getByLabel('Arguments of payments.refund');
    await args.waitFor();
    const shown = await args.textContent();
    for (const text of ['paymentId', 'pay_881', 'amount', '125.00', 'currency', 'USD', 'charged twice, customer [REDACTED:email]']) expect(shown).toContain(text);
    expect(shown).not.toContain('jane.doe@example.com');
    await screenshot(page, 'inbox-arguments');

    await row.getByRole('button', { name: 'Approve' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Approving lets it run with these arguments:').waitFor();
    expect(await dialog.getByLabel('Arguments').textContent()).toContain('125.00');
    await screenshot(page, 'inbox-confirm-arguments');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await bed.h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).status).toBe('awaiting_approval');
    await context.close();
  });

  it('offers no decision on a request the person made, nor a second one in a round they decided, and says why', async () => {
    const own = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '75.00', requestedBy: 'carol' }));
    const quorum = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '1500.00' }));
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.carol);
    const ownRow = page.locator(`article[data-action-id="${own.actionId}"]`);
    await ownRow.getByText('You asked for this action: another approver decides it.').waitFor();
    expect(await ownRow.getByRole('button').count()).toBe(0);

    const quorumRow = page.locator(`article[data-action-id="${quorum.actionId}"]`);
    await quorumRow.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Approval recorded (1 of 2); waiting for more approvers.').waitFor();
    await quorumRow.getByText('You have decided this round; it waits for the other approvers.').waitFor();
    expect(await quorumRow.getByRole('button').count()).toBe(0);
    await screenshot(page, 'inbox-decided-and-own');
    await context.close();

    // Another approver still decides both.
    const alice = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
    await alice.page.locator(`article[data-action-id="${quorum.actionId}"]`).getByRole('button', { name: 'Approve' }).waitFor();
    await alice.context.close();
  });

  /** Alice's page on a fresh action, with no live refresh: it stays as it was when the round closed, so she still sees the form. */
  async function staleActionPage(amount: string) {
    const { actionId, argsHash } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount }));
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
    await page.route('**/api/console/events', (route) => route.abort());
    await page.goto(`/actions/${actionId}`);
    await page.getByRole('heading', { name: 'Decide' }).waitFor();
    return { actionId, argsHash, context, page };
  }

  /**
   * Until the round's closing is stored: the refusal names who closed it from that row, waiting
   * for it only briefly (a busy machine can take longer, and the workflow's own words stand then).
   */
  async function roundClosedInDatabase(actionId: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while ((await bed.h.db.prisma.approval.findFirstOrThrow({ where: { actionId }, orderBy: { round: 'desc' } })).status === 'open') {
      if (Date.now() > deadline) throw new Error(`the round of ${actionId} never closed`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The refusal stays, and the page shows the closed round at once: no form, no reload, no live refresh. */
  async function expectClosedAfterRefusal(page: Page, refusal: RegExp, roundText: RegExp, screenshotName: string) {
    const alert = page.getByRole('alert').filter({ hasText: refusal });
    await alert.waitFor();
    const round = page.getByRole('region', { name: 'Approval (round 1)' });
    await round.getByText(roundText).waitFor();
    await page.getByRole('heading', { name: 'Decide' }).waitFor({ state: 'detached' });
    for (const name of ['Approve', 'Confirm approval', 'Deny']) expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
    expect(await alert.isVisible()).toBe(true);
    expect(await page.getByRole('region', { name: 'Your decision' }).getByRole('alert').textContent()).toMatch(refusal);
    await screenshot(page, screenshotName);
  }

  it('tells an approver another approver got there first, who and how, and shows the closed round at once', async () => {
    const { actionId, argsHash, context, page } = await staleActionPage('80.00');
    await decide({ db: bed.h.db, temporal: bed.h.client }, userOperator({ id: 'dana', role: 'approver' }, 'api'), { actionId, decision: 'approve', argsHash });
    await roundClosedInDatabase(actionId);

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('button', { name: 'Confirm approval' }).click();
    await expectClosedAfterRefusal(
      page,
      /^Not recorded: this action was already approved by Dana Lee \(dana@example\.com\)\.$/,
      /^Dana Lee \(dana@example\.com\) approved via api$/,
      'action-lost-race',
    );
    const round = page.getByRole('region', { name: 'Approval (round 1)' });
    expect(await round.textContent()).toMatch(/^Approval \(round 1\)approved · 1 of 1 approvals, 0 denials/);
    expect(await round.textContent()).not.toContain('dana approved');

    await page.reload();
    await round.getByText('Dana Lee (dana@example.com) approved via api').waitFor();
    expect(await page.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    await context.close();
  });

  it('shows the closed round at once when another approver denied it through REST first', async () => {
    const { actionId, argsHash, context, page } = await staleActionPage('81.00');
    const denied = await fetch(`${bed.app.url}/api/v1/actions/${actionId}/decisions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bed.keys.dana}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'deny', argsHash, comment: 'not this customer' }),
    });
    expect(denied.status).toBe(200);
    await roundClosedInDatabase(actionId);

    await page.getByLabel('Comment (on a denial, the reason the agent receives)').fill('me neither');
    await page.getByRole('button', { name: 'Deny' }).click();
    await expectClosedAfterRefusal(
      page,
      /^Not recorded: this action was already denied by Dana Lee \(dana@example\.com\)\.$/,
      /^Dana Lee \(dana@example\.com\) denied via api: “not this customer”$/,
      'action-lost-race-denied',
    );
    expect(await page.getByRole('region', { name: 'Approval (round 1)' }).textContent()).toMatch(/^Approval \(round 1\)denied · 0 of 1 approvals, 1 denials/);
    await context.close();
  });

  it('shows the closed round at once when the action was cancelled before the approver clicked', async () => {
    const { actionId, context, page } = await staleActionPage('82.00');
    await actionHandle(bed.h.client, actionId).cancel();
    expect((await awaitOutcome(bed.h.client, actionId)).status).toBe('cancelled');

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('button', { name: 'Confirm approval' }).click();
    const alert = page.getByRole('alert').filter({ hasText: /^Not recorded: this action was already cancelled/ });
    await alert.waitFor();
    await page.getByRole('heading', { name: 'Decide' }).waitFor({ state: 'detached' });
    expect(await page.getByRole('region', { name: 'Approval (round 1)' }).textContent()).toMatch(/^Approval \(round 1\)cancelled · 0 of 1 approvals/);
    expect(await alert.isVisible()).toBe(true);
    await screenshot(page, 'action-lost-race-cancelled');
    await context.close();
  });

  it('drops a row from the inbox at once when its decision lost the race, keeping the refusal', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '83.00' }));
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
    await page.route('**/api/console/events', (route) => route.abort());
    await page.reload();
    const row = page.locator(`article[data-action-id="${actionId}"]`);
    await row.getByRole('button', { name: 'Approve' }).waitFor();
    await decide({ db: bed.h.db, temporal: bed.h.client }, userOperator({ id: 'dana', role: 'approver' }, 'api'), { actionId, decision: 'approve', argsHash });
    await roundClosedInDatabase(actionId);

    await row.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    const alert = page.getByRole('alert').filter({ hasText: /^Not recorded: this action was already approved by Dana Lee \(dana@example\.com\)\.$/ });
    await alert.waitFor();
    await row.waitFor({ state: 'detached' });
    expect(await alert.isVisible()).toBe(true);
    await screenshot(page, 'inbox-lost-race');
    await context.close();
  });

  it('keeps the approver’s own decision on the page once it closes the round, and after a reload', async () => {
    const { actionId } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '85.00' }));
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
    await page.goto(`/actions/${actionId}`);
    await page.locator('[data-live="live"]').waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('button', { name: 'Confirm approval' }).click();
    // Deciding closed the round: the form is gone, and the page says what this approver did.
    const round = page.getByRole('region', { name: 'Approval (round 1)' });
    const mine = round.getByRole('status').filter({ hasText: /^You approved this at \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/ });
    await mine.waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Decide' }).waitFor({ state: 'detached' });
    await screenshot(page, 'action-own-decision');
    expect((await awaitOutcome(bed.h.client, actionId)).status).toBe('executed');
    await page.reload();
    await mine.waitFor();
    await round.getByText('alice (alice@example.test) approved via console').waitFor();
    await context.close();
  });

  it('labels the approver’s decisions by round once an edit opened another, the earlier round’s too', async () => {
    const { actionId } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '1500.00' }));
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
    await page.goto(`/actions/${actionId}`);
    await page.locator('[data-live="live"]').waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('button', { name: 'Confirm approval' }).click();
    // One of two approvals: the round still waits, but not for Alice, so the form goes.
    const first = page.getByRole('region', { name: 'Approval (round 1)' });
    await first
      .getByRole('status')
      .filter({ hasText: /^You approved this at \d{4}-\d\d-\d\d \d\d:\d\d UTC; it waits for more approvals\.$/ })
      .waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Decide' }).waitFor({ state: 'detached' });

    // Dana approves with edited arguments: still two approvals needed, so round 2 opens with Dana's approval carried.
    const round1 = await bed.h.db.prisma.approval.findUniqueOrThrow({ where: { actionId_round: { actionId, round: 1 } } });
    await decide({ db: bed.h.db, temporal: bed.h.client }, userOperator({ id: 'dana', role: 'approver' }, 'api'), {
      actionId,
      decision: 'approve',
      argsHash: round1.argsHash,
      editedArgs: { paymentId: 'pay_123', amount: '1400.00', currency: 'USD', reason: 'duplicate charge' },
    });
    const second = page.getByRole('region', { name: 'Approval (round 2)' });
    await second.waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Decide' }).waitFor();
    // The form's answer about round 1 went with it: round 2 awaits Alice's decision.
    expect(await page.getByText('Approval recorded (1 of 2); waiting for more approvers.').count()).toBe(0);
    const earlier = second.getByRole('region', { name: 'Round 1' });
    await earlier.getByText(/^In round 1 you approved this at \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/).waitFor();
    await earlier.getByText('Dana Lee (dana@example.com) approved via api with edited arguments').waitFor();
    expect(await earlier.textContent()).toMatch(
      /^Round 1approved · 2 of 2 approvals, 0 denials · closed \d{4}-\d\d-\d\d \d\d:\d\d UTC · Dana Lee \(dana@example\.com\)’s edit opened round 2In round 1 you approved/,
    );
    // Nothing of Alice's in round 2 yet: the page does not pass round 1's decision off as this round's.
    expect(await second.getByRole('status').count()).toBe(0);
    await screenshot(page, 'action-earlier-round');

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('button', { name: 'Confirm approval' }).click();
    await second
      .getByRole('status')
      .filter({ hasText: /^In round 2 you approved this at \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/ })
      .waitFor({ timeout: 30_000 });
    expect(await awaitOutcome(bed.h.client, actionId)).toMatchObject({ status: 'executed', output: { amount: '1400.00' } });
    await page.reload();
    await earlier.getByText(/^In round 1 you approved this at /).waitFor();
    await screenshot(page, 'action-two-rounds-decided');
    await context.close();
  });

  it('runs an edit that left a redacted value as shown with the value behind it, and refuses one that changed it, naming the field', async () => {
    const reason = 'refund to dana@example.test';
    const { actionId } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ args: { paymentId: 'pay_882', amount: '90.00', currency: 'USD', reason } }));
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
    await page.goto(`/actions/${actionId}`);
    // A denial's comment is the outcome's reason: the agent reads it, as the inbox's deny dialog says too.
    await page.getByLabel('Comment (on a denial, the reason the agent receives)').waitFor();
    await page.getByLabel('Approve with edited arguments').check();
    const editor = page.getByLabel('Edited arguments (JSON)');
    const shown = await editor.inputValue();
    expect(shown).toContain('refund to [REDACTED:email]');

    // The placeholder moved into other words: nothing to put back, so refused as you type and on submit.
    await editor.fill(shown.replace('"90.00"', '"60.00"').replace('refund to [REDACTED:email]', 'pay [REDACTED:email] back'));
    await page.getByText(/editedArgs\.reason: changed, yet still holds a redacted value/).waitFor();
    await screenshot(page, 'edit-redacted-refused');
    await page.getByRole('button', { name: 'Approve with edits' }).click();
    await page.getByRole('button', { name: 'Confirm approval' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /^Not recorded: editedArgs\.reason: changed, yet still holds a redacted value/ })
      .waitFor();
    expect((await bed.h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).status).toBe('awaiting_approval');
    expect(await bed.h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(0);

    // Only the amount changed: the tool gets the agent's reason behind the placeholder.
    await editor.fill(shown.replace('"90.00"', '"60.00"'));
    await page.getByText('Valid for the tool’s schema.').waitFor();
    await page.getByRole('button', { name: 'Approve with edits' }).click();
    await page.getByRole('button', { name: 'Confirm approval' }).click();
    const outcome = await awaitOutcome(bed.h.client, actionId);
    expect(outcome).toMatchObject({ status: 'executed', output: { amount: '60.00' } });
    const { entryId } = (outcome as { output: { entryId: string } }).output;
    expect((await bed.h.db.prisma.ledgerEntry.findUniqueOrThrow({ where: { id: entryId } })).memo).toBe(reason);
    await context.close();
  });

  it('brings a signed-out person who followed a link to an action back to it after signing in, and only within the console', async () => {
    const { actionId } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '65.00' }));
    const context = await bed.browser.newContext({ baseURL: bed.app.url });
    const page = await context.newPage();
    // What "Open in console" in Slack links to.
    await page.goto(`/actions/${actionId}`);
    await page.waitForURL((url) => url.pathname === '/sign-in');
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/actions/${actionId}`);
    await page.getByLabel('API key').fill(bed.keys.alice);
    await page.getByRole('button', { name: 'Sign in with API key' }).click();
    await page.waitForURL((url) => url.pathname === `/actions/${actionId}`);
    await page.getByRole('heading', { name: 'Decide' }).waitFor();
    // Signed in already, the sign-in page sends the person on.
    await page.goto(`/sign-in?next=${encodeURIComponent(`/actions/${actionId}`)}`);
    await page.waitForURL((url) => url.pathname === `/actions/${actionId}`);
    await context.close();

    for (const next of ['//evil.example/actions', 'https://evil.example/', '/\\evil.example']) {
      const other = await bed.browser.newContext({ baseURL: bed.app.url });
      const otherPage = await other.newPage();
      await otherPage.goto(`/sign-in?next=${encodeURIComponent(next)}`);
      await otherPage.getByLabel('API key').fill(bed.keys.alice);
      await otherPage.getByRole('button', { name: 'Sign in with API key' }).click();
      await otherPage.getByRole('heading', { name: 'Inbox' }).waitFor();
      expect(new URL(otherPage.url()).origin).toBe(bed.app.url);
      expect(new URL(otherPage.url()).pathname).toBe('/');
      await other.close();
    }
  });

  it('shows a round’s escalation, and once the deadline has passed, that it closed instead of a countdown', async () => {
    activePolicy = escalatingDeadlinePolicy('console-expiring.yaml');
    try {
      const { actionId } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest());
      expect((await awaitOutcome(bed.h.client, actionId)).status).toBe('expired');
      const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
      await page.goto(`/actions/${actionId}`);
      const round = page.getByRole('region', { name: 'Approval (round 1)' });
      await round.getByText(/^Escalated to role:admin \(level 1\) at \d{4}-\d\d-\d\d \d\d:\d\d UTC$/).waitFor();
      expect(await round.textContent()).toMatch(/expired · 0 of 1 approvals, 0 denials · approver role or higher · closed \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
      expect(await round.textContent()).not.toContain('deadline');
      await screenshot(page, 'action-escalated-expired');
      await context.close();
    } finally {
      activePolicy = defaultPolicy;
    }
  });
});
