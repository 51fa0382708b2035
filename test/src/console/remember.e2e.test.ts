import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { screenshot, signedIn, useBrowserConsole } from './browser.js';

// Approve and remember from the action page: the built console (`next start`) in
// real headless Chromium, against a real worker, Temporal and PostgreSQL.
describe('approve and remember in the console', () => {
  const bed = useBrowserConsole({ keys: ['alice', 'victor'] });

  it('approves this refund and remembers it with a cap the approver chose: the next refund under it runs at once, one over it waits', async () => {
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
    const { actionId } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '125.00' }));
    await page.goto(`/actions/${actionId}`);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    await page.locator('[data-live="live"]').waitFor();
    await page.getByLabel('Approve and remember (standing approval)').check();

    // Pre-filled from this action: amount capped at its value, the same currency.
    const scope = page.getByRole('group', { name: 'Remember this approval' });
    expect(await scope.getByLabel('Bound on amount').inputValue()).toBe('at_most');
    expect(await scope.getByLabel('Cap on amount').inputValue()).toBe('125.00');
    expect(await scope.getByLabel('Bound on currency').inputValue()).toBe('same');
    await scope.getByLabel('Cap on amount').fill('200.00');
    await scope.getByLabel('Bound on paymentId').selectOption('any');
    await scope.getByLabel('Bound on reason').selectOption('any');
    await scope.getByLabel('Uses').fill('5');
    await scope.getByLabel('Expires after (hours)').fill('12');
    await screenshot(page, 'remember-form');

    // High tier: the approval is confirmed first, remembered or not.
    await confirmApproval(page, 'Approve and remember');
    // Decided, the page refreshes without the form: the timeline shows both the grant and the decision.
    const timeline = page.getByRole('table', { name: 'Audit events for this action' });
    await timeline.getByText('standing_approval.granted').waitFor({ timeout: 30_000 });
    await timeline.getByText('approval.decision').first().waitFor();
    expect(await awaitOutcome(bed.h.client, actionId)).toMatchObject({ status: 'executed' });
    await page.reload();
    await page.getByText('alice (alice@example.test) approved via console').waitFor();
    await page
      .getByRole('region', { name: 'Remembered' })
      .getByText(/alice approved this and granted standing approval .+: cents\(args\["amount"\]\) <= 20000 && args\["currency"\] == "USD", up to 5 uses until/)
      .waitFor();
    await screenshot(page, 'remember-done');

    const grant = await bed.h.db.prisma.standingApproval.findFirstOrThrow({ where: { grantedBy: 'alice' } });
    expect(grant).toMatchObject({ agentId: 'billing-bot', tool: 'payments.refund', condition: 'cents(args["amount"]) <= 20000 && args["currency"] == "USD"', maxUses: 5 });
    expect(grant.validUntil.getTime() - grant.validFrom.getTime()).toBe(12 * 3_600_000);
    const decision = await bed.h.db.prisma.approvalDecision.findFirstOrThrow({ where: { approval: { actionId } } });
    expect(decision).toMatchObject({ userId: 'alice', channel: 'console', decision: 'approve' });

    const covered = await submitAction(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '199.99' }));
    expect(await awaitOutcome(bed.h.client, covered.actionId)).toMatchObject({ status: 'executed' });
    expect(await bed.h.db.prisma.auditEvent.count({ where: { actionId: covered.actionId, type: 'approval.standing_used' } })).toBe(1);
    const over = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '200.01' }));
    expect(over.status.phase).toBe('awaiting_approval');
    await context.close();
  });

  it('a viewer has no such option; a self-approver is told why, offered nothing, and nothing is remembered', async () => {
    const { actionId } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '70.00', requestedBy: 'alice' }));
    const viewer = await signedIn(bed.browser, bed.app.url, bed.keys.victor);
    await viewer.page.goto(`/actions/${actionId}`);
    await viewer.page.getByText('Your role (viewer) may view this action but not decide it.').waitFor();
    expect(await viewer.page.getByLabel('Approve and remember (standing approval)').count()).toBe(0);
    await viewer.context.close();

    // The workflow refuses the requester's decision (test/src/api/approve-and-remember.test.ts): the page says so instead of a form.
    const before = await bed.h.db.prisma.standingApproval.count();
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
    await page.goto(`/actions/${actionId}`);
    await page.locator('[data-live="live"]').waitFor();
    await page.getByText('You asked for this action: another approver decides it.').waitFor();
    expect(await page.getByLabel('Approve and remember (standing approval)').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    await screenshot(page, 'remember-own-request');
    expect(await bed.h.db.prisma.standingApproval.count()).toBe(before);
    expect(await bed.h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(0);
    await context.close();
  });
});

/**
 * Presses the approve button, then "Confirm approval". A live refresh of the page
 * landing on the first click can swallow it (the button is re-rendered under the
 * pointer), so the first press is repeated until the confirmation shows.
 */
async function confirmApproval(page: Page, button: string): Promise<void> {
  const confirm = page.getByRole('button', { name: 'Confirm approval' });
  for (let attempt = 0; attempt < 3 && !(await confirm.isVisible()); attempt++) {
    await page.getByRole('button', { name: button, exact: true }).click();
    await confirm.waitFor({ timeout: 10_000 }).catch(() => undefined);
  }
  await confirm.click();
}
