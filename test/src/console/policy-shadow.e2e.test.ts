import { readFile } from 'node:fs/promises';
import { defaultActivityDeps, shadowPolicyFromDb } from '@airlock/activities';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';
import { submitAction } from '@airlock/core/gateway';
import { createApiKey } from '@airlock/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidatePolicy } from '../policy/candidate-policy.js';
import { refundRequest, waitForStatus } from '../support/actions.js';
import { defaultPolicy, seedTeam, startHarness, type Harness } from '../support/harness.js';
import { type BrowserConsole, screenshot, signedIn, startBrowserConsole } from './browser.js';
import { CONSOLE_SETUP_TIMEOUT_MS, type RunningConsole } from './console-app.js';

// The Backtest and Shadow mode pages of the built console in headless Chromium, and
// the REST endpoints beside them, over history made by the real gate.
describe('policy backtest and shadow mode in the console', () => {
  let h: Harness;
  let ui: BrowserConsole | undefined;
  let app: RunningConsole;
  let browser: Browser;
  let candidate: string;
  const keys = { bob: '', victor: '' };

  beforeAll(async () => {
    h = await startHarness({ deps: (db) => ({ ...defaultActivityDeps(db, defaultPolicy()), shadow: shadowPolicyFromDb(db, { refreshMs: 0 }) }) });
    await seedTeam(h.db);
    for (const user of ['bob', 'victor'] as const) keys[user] = (await createApiKey(h.db, { userId: user })).key;
    candidate = await candidatePolicy();
    await admit(refundRequest({ amount: '20.00' }));
    await admit(refundRequest({ amount: '2000.00' }));
    await admit({ agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'write to jane.doe@example.com please' }, rationale: 'smoke', idempotencyKey: 'echo-contact' });
    ui = await startBrowserConsole(h);
    ({ app, browser } = ui);
  }, CONSOLE_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await ui?.stop();
    await h?.close();
  });

  async function admit(request: Parameters<typeof submitAction>[2]): Promise<string> {
    const { actionId } = await submitAction(h.client, h.taskQueue, request);
    await waitForStatus(h.client, actionId, (s) => s.phase !== 'classifying');
    return actionId;
  }

  const api = (path: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
    fetch(`${app.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${init.key ?? keys.bob}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });

  it('backtests a candidate: decision changes with their money, and the rule over a redacted field marked uncertain', async () => {
    const { context, page } = await signedIn(browser, app.url, keys.victor);
    await page.getByRole('link', { name: 'Policies' }).click();
    await page.getByRole('link', { name: 'Backtest a candidate' }).click();
    await page.getByRole('heading', { name: 'Policy backtest', level: 1 }).waitFor();
    await page.getByLabel('Candidate policy (YAML)').fill(candidate);
    await page.getByLabel('Since').fill('1d');
    await page.getByRole('button', { name: 'Run backtest' }).click();
    await page.getByRole('heading', { name: 'What would change' }).waitFor();
    const changes = page.getByRole('table', { name: 'Decision changes' });
    // Money with its currency (budgets are per currency), in the summary and on each action's row.
    expect(await changes.getByRole('row').filter({ hasText: 'allow → require approval' }).textContent()).toContain('20.00 USD');
    expect(await changes.getByRole('row').filter({ hasText: 'require approval → deny' }).textContent()).toContain('2000.00 USD');
    expect(
      await page
        .locator('p')
        .filter({ hasText: /^Approvals newly asked: \d/ })
        .textContent(),
    ).toContain('(20.00 USD)');
    expect(await page.getByRole('table', { name: 'Changed and uncertain actions' }).getByRole('row').filter({ hasText: 'payments.refund' }).first().textContent()).toMatch(
      /\d\.00 USD/,
    );
    const redacted = page.getByRole('table', { name: 'Rules over redacted fields' }).getByRole('row').filter({ hasText: 'echo-contacts' });
    expect(await redacted.textContent()).toContain('args.message');
    expect(await page.getByRole('table', { name: 'Changed and uncertain actions' }).getByText('uncertain: echo', { exact: false }).count()).toBe(1);
    await screenshot(page, 'policy-backtest');

    // A candidate that does not compile is refused naming the rule.
    await page.getByLabel('Candidate policy (YAML)').fill(candidate.replace('contains("@")', 'contains(@)'));
    await page.getByRole('button', { name: 'Run backtest' }).click();
    await page
      .getByRole('status')
      .getByText(/Not backtested: .*echo-contacts/)
      .waitFor();
    await context.close();

    const rest = await api('/api/v1/policy/backtest', { method: 'POST', body: { candidate, since: '1d' }, key: keys.victor });
    expect(rest.status).toBe(200);
    expect(await rest.json()).toMatchObject({
      evaluated: 3,
      changed: 2,
      uncertain: 1,
      approvals: {
        newlyAsked: { count: 1, amount: '20.00', amounts: [{ currency: 'USD', amount: '20.00' }] },
        noLongerAsked: { count: 1, amount: '2000.00', amounts: [{ currency: 'USD', amount: '2000.00' }] },
      },
    });
    const bad = await api('/api/v1/policy/backtest', { method: 'POST', body: { candidate, since: 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('since');
  }, 240_000);

  it('keeps a candidate filled in as soon as the page shows: the form stays read-only until React has hydrated it', async () => {
    // A controlled field filled before hydration is reset to the server's value when React hydrates it, so the
    // live policy was backtested as the candidate (a CI flake: no decision changes). Holding the page's scripts
    // shows the form before React is live, every time.
    const { context, page } = await signedIn(browser, app.url, keys.victor);
    let releaseScripts!: () => void;
    const scriptsHeld = new Promise<void>((resolve) => (releaseScripts = resolve));
    await page.route('**/_next/static/chunks/**', async (route) => {
      await scriptsHeld;
      await route.continue();
    });
    await page.goto('/policies/backtest', { waitUntil: 'commit' });
    await page.getByRole('heading', { name: 'Policy backtest', level: 1 }).waitFor();
    const field = page.getByLabel('Candidate policy (YAML)');
    expect(await field.isEditable()).toBe(false);
    expect(await page.getByRole('button', { name: 'Run backtest' }).isDisabled()).toBe(true);
    // Playwright's fill waits for the field to be editable, as a person waits for it.
    const filled = field.fill(candidate);
    releaseScripts();
    await filled;
    await page.getByRole('button', { name: 'Run backtest' }).click();
    await page.getByRole('heading', { name: 'What would change' }).waitFor();
    expect(await page.getByRole('table', { name: 'Decision changes' }).getByRole('row').filter({ hasText: 'allow → require approval' }).textContent()).toContain('20.00');
    await context.close();
  }, 240_000);

  it('an admin puts a candidate in shadow; differences on live traffic show in the summary; a viewer can only read it', async () => {
    const { context, page } = await signedIn(browser, app.url, keys.bob);
    await page.goto('/policies/shadow');
    await page.getByRole('heading', { name: 'Shadow mode', level: 1 }).waitFor();
    await page.getByLabel('Candidate policy (YAML)').fill(candidate);
    await page.getByRole('button', { name: 'Start shadow' }).click();
    await page.getByRole('status').filter({ hasText: 'is in shadow' }).waitFor();

    const small = await admit(refundRequest({ amount: '20.00' }));
    expect((await waitForStatus(h.client, small, (s) => s.phase === 'completed')).phase).toBe('completed');
    await page.reload();
    const row = page
      .getByRole('table', { name: 'Shadow differences' })
      .getByRole('row')
      .filter({ hasText: small.slice(0, 12) });
    await row.waitFor();
    expect(await row.textContent()).toContain('require approval');
    expect(await page.getByRole('table', { name: 'Decision changes' }).getByRole('row').filter({ hasText: 'allow → require approval' }).textContent()).toContain('20.00 USD');
    await screenshot(page, 'policy-shadow');

    const summary = await api('/api/v1/policy/shadow', { key: keys.victor });
    expect(await summary.json()).toMatchObject({ differences: 1, failures: 0, shadow: { setBy: 'user:bob' } });
    expect((await api('/api/v1/policy/shadow', { method: 'PUT', body: { policy: candidate }, key: keys.victor })).status).toBe(403);
    const invalid = await api('/api/v1/policy/shadow', { method: 'PUT', body: { policy: 'apiVersion: airlock/v1\nrules: 3' } });
    expect(invalid.status).toBe(400);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Stop shadow' }).click();
    // The summary re-renders without a candidate (the Stop form goes with it) and keeps what was recorded.
    await page.getByText('No candidate is in shadow. The last one').waitFor();
    expect(
      await page
        .getByRole('table', { name: 'Shadow differences' })
        .getByRole('row')
        .filter({ hasText: small.slice(0, 12) })
        .count(),
    ).toBe(1);
    await context.close();
    expect(await (await api('/api/v1/policy/shadow', { method: 'DELETE' })).json()).toEqual({ cleared: null });

    const viewer = await signedIn(browser, app.url, keys.victor);
    await viewer.page.goto('/policies/shadow');
    await viewer.page.getByText('Only an admin can put a candidate in shadow').waitFor();
    expect(await viewer.page.getByRole('button', { name: 'Start shadow' }).count()).toBe(0);
    await viewer.context.close();

    const audit = await h.db.prisma.auditEvent.findMany({ where: { type: { startsWith: 'policy.shadow' } }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => [e.type, e.actor])).toEqual([
      ['policy.shadow_set', 'user:bob'],
      ['policy.shadow_cleared', 'user:bob'],
    ]);
  }, 240_000);

  // A candidate that only changes who and how many must approve showed as "no change": only
  // auto / deny / approval-asked was compared.
  it('a candidate that only tightens an approval (two admins instead of one approver): counted stricter, each term shown, in shadow and backtest', async () => {
    const text = await readFile(DEFAULT_POLICY_FILE, 'utf8');
    const tightened = text.replace(
      'reason: refunds over 50.00 need an approver\n',
      'reason: refunds over 50.00 need two admins\n    approval:\n      quorum: 2\n      role: admin\n',
    );
    expect(tightened).not.toBe(text);
    expect((await api('/api/v1/policy/shadow', { method: 'PUT', body: { policy: tightened, source: 'two-admins.yaml' } })).status).toBe(200);
    const mid = await admit(refundRequest({ amount: '125.00' }));
    // Recorded after admission committed: wait for it.
    let summary: { approvals: Record<string, { count: number }>; approvalShifts: unknown[]; recent: { actionId: string }[] } | undefined;
    for (let i = 0; i < 100 && !summary?.recent.some((d) => d.actionId === mid); i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      summary = (await (await api('/api/v1/policy/shadow', { key: keys.victor })).json()) as typeof summary;
    }
    expect(summary).toMatchObject({
      differences: 1,
      transitions: [],
      tierShifts: [],
      approvals: { newlyAsked: { count: 0 }, noLongerAsked: { count: 0 }, stricter: { count: 1, amounts: [{ currency: 'USD', amount: '125.00' }] }, looser: { count: 0 } },
      approvalShifts: [
        { term: 'quorum', from: '1', to: '2', count: 1 },
        { term: 'role', from: 'approver', to: 'admin', count: 1 },
      ],
      recent: [{ actionId: mid, live: { approval: { requiredApprovals: 1 } }, shadow: { approval: { requiredApprovals: 2, approverRole: 'admin' } } }],
    });

    const { context, page } = await signedIn(browser, app.url, keys.bob);
    await page.goto('/policies/shadow');
    await page.getByText('In shadow: two-admins.yaml', { exact: false }).waitFor();
    const terms = page.getByRole('table', { name: 'Approval term changes' });
    expect(await terms.getByRole('row').filter({ hasText: 'Approvals needed' }).textContent()).toMatch(/1 → 2.*1.*125\.00 USD/);
    expect(await terms.getByRole('row').filter({ hasText: 'Approver role' }).textContent()).toContain('approver → admin');
    expect(
      await page
        .locator('p')
        .filter({ hasText: /^Asked by both, on other terms/ })
        .textContent(),
    ).toContain('stricter 1 (125.00 USD) · looser 0 · otherwise changed 0');
    const row = page
      .getByRole('table', { name: 'Shadow differences' })
      .getByRole('row')
      .filter({ hasText: mid.slice(0, 12) });
    expect(await row.textContent()).toMatch(/1\sapprover.*2\sadmins.*quorum 1 → 2, role approver → admin/);
    await screenshot(page, 'policy-shadow-approvals');
    await context.close();

    const viewer = await signedIn(browser, app.url, keys.victor);
    await viewer.page.goto('/policies/backtest');
    await viewer.page.getByLabel('Candidate policy (YAML)').fill(tightened);
    await viewer.page.getByLabel('Since').fill('1d');
    await viewer.page.getByRole('button', { name: 'Run backtest' }).click();
    await viewer.page.getByRole('heading', { name: 'What would change' }).waitFor();
    expect(await viewer.page.getByRole('table', { name: 'Decision changes' }).count()).toBe(0);
    // The 2000.00 refund seeded for the first test is asked more too: two approvers under the live policy (the
    // strictest of both refund rules), two admins under the candidate (role approver → admin).
    expect(
      await viewer.page
        .locator('p')
        .filter({ hasText: /^Asked by both, on other terms/ })
        .textContent(),
    ).toContain('stricter 2 (2125.00 USD)');
    expect(await viewer.page.getByRole('table', { name: 'Approval term changes' }).getByRole('row').filter({ hasText: 'Approvals needed' }).textContent()).toContain('1 → 2');
    expect(
      await viewer.page
        .getByRole('table', { name: 'Changed and uncertain actions' })
        .getByRole('row')
        .filter({ hasText: mid.slice(0, 12) })
        .textContent(),
    ).toContain('changed: quorum 1 → 2, role approver → admin');
    await screenshot(viewer.page, 'policy-backtest-approvals');
    await viewer.context.close();
    expect(await (await api('/api/v1/policy/shadow', { method: 'DELETE' })).json()).toMatchObject({ cleared: expect.any(String) as string });
  }, 240_000);
});
