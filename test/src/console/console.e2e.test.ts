import { awaitOutcome } from '@airlock/core/gateway';
import { createApiKey } from '@airlock/db';
import { createLocalUser } from '@airlock/db/accounts';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { type BrowserConsole, passwordSignIn, screenshot, signedIn, startBrowserConsole } from './browser.js';
import { CONSOLE_SETUP_TIMEOUT_MS, type RunningConsole } from './console-app.js';
import { startFakeOidc, type FakeOidc } from './fake-oidc.js';

// The built console (`next start`) in real headless Chromium, against a real worker, Temporal and PostgreSQL.
describe('console in the browser', () => {
  let h: Harness;
  let ui: BrowserConsole | undefined;
  let app: RunningConsole;
  let browser: Browser;
  let oidc: FakeOidc;
  const keys = { alice: '', victor: '', bob: '' };

  beforeAll(async () => {
    h = await startHarness();
    await seedTeam(h.db);
    for (const user of ['alice', 'victor', 'bob'] as const) keys[user] = (await createApiKey(h.db, { userId: user })).key;
    oidc = await startFakeOidc();
    ui = await startBrowserConsole(h, {
      AIRLOCK_OIDC_ISSUER: oidc.issuer,
      AIRLOCK_OIDC_CLIENT_ID: oidc.clientId,
      AIRLOCK_OIDC_CLIENT_SECRET: oidc.clientSecret,
      AIRLOCK_OIDC_NAME: 'Test SSO',
    });
    ({ app, browser } = ui);
  }, CONSOLE_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await ui?.stop();
    await oidc?.close();
    await h?.close();
  });

  it('refuses an unknown key and signs an approver in', async () => {
    const context = await browser.newContext({ baseURL: app.url });
    const page = await context.newPage();
    await page.goto('/');
    await page.waitForURL(/\/sign-in$/);
    await page.getByLabel('API key').fill('alk_not_a_real_key');
    await page.getByRole('button', { name: 'Sign in with API key' }).click();
    await page.getByText(/That key is unknown, revoked/).waitFor();
    await screenshot(page, 'sign-in');
    const cookies = await context.cookies();
    expect(cookies.filter((c) => c.name.includes('session-token'))).toEqual([]);
    await context.close();

    const { context: signed, page: signedPage } = await signedIn(browser, app.url, keys.alice);
    const session = (await signed.cookies()).find((c) => c.name.includes('session-token'));
    expect(session?.httpOnly).toBe(true);
    await signedPage.getByRole('button', { name: 'Sign out' }).click();
    await signedPage.waitForURL(/\/sign-in$/);
    await signedPage.goto('/audit');
    // Signed out, a page sends the person to sign in, remembering where they were going.
    await signedPage.waitForURL(/\/sign-in\?next=%2Faudit$/);
    await signed.close();

    // Revoking the key ends the session on the next request, cookie or not.
    const spare = await createApiKey(h.db, { userId: 'alice' }, 'spare');
    const revoked = await signedIn(browser, app.url, spare.key);
    await h.db.prisma.apiKey.update({ where: { id: spare.id }, data: { revokedAt: new Date() } });
    await revoked.page.goto('/');
    await revoked.page.waitForURL(/\/sign-in$/);
    await revoked.context.close();
  });

  it('leaves small JSON answers uncompressed and gzips large ones for clients that accept it', async () => {
    const gzip = { 'accept-encoding': 'gzip' };
    const refused = await fetch(`${app.url}/api/v1/agents/me`, { headers: { ...gzip, authorization: 'Bearer alk_not_a_real_key' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-encoding')).toBeNull();
    expect(refused.headers.get('cache-control')).toBe('no-store, no-transform');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');

    const policy = await fetch(`${app.url}/api/v1/policy`, { headers: { ...gzip, authorization: `Bearer ${keys.bob}` } });
    expect(policy.status).toBe(200);
    expect(policy.headers.get('content-encoding')).toBe('gzip');
    expect(policy.headers.get('cache-control')).toBe('no-store');
    expect((await policy.text()).length).toBeGreaterThan(1024);
  });

  it('a one-time password opens only "set your password"; the new password then signs in and the old one no longer does', async () => {
    const { oneTimePassword } = await createLocalUser(h.db, { id: 'carol', email: 'carol@example.test', name: 'Carol', role: 'approver' }, 'test');
    const { context, page } = await passwordSignIn(browser, app.url, 'Carol@Example.test', oneTimePassword);
    await page.waitForURL(/\/set-password$/);
    await page.getByRole('heading', { name: 'Set your password' }).waitFor();
    const session = (await context.cookies()).find((c) => c.name.includes('session-token'));
    expect(session?.httpOnly).toBe(true);

    // Nothing else works until the password is chosen: pages send them back, writes are refused on the server.
    await page.goto('/audit');
    // ... remembering where they were going, for after the password is set.
    await page.waitForURL((url) => url.pathname === '/set-password' && url.searchParams.get('next') === '/audit');
    const write = await context.request.post('/api/console/decisions', { data: { actionId: 'x', argsHash: 'x', decision: 'approve' }, headers: { origin: app.url } });
    expect(write.status()).toBe(403);
    expect((await context.request.get('/api/console/audit/export?format=jsonl')).status()).toBe(401);

    await page.getByLabel('One-time password').fill(oneTimePassword);
    // The browser already refuses a short one (minlength); a mismatch is the server's to catch.
    await page.getByLabel('New password', { exact: true }).fill('correct horse battery staple');
    await page.getByLabel('Repeat new password').fill('correct horse battery stapel');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('Repeat new password does not match the new password.').waitFor();
    await screenshot(page, 'set-password');
    // A refused form comes back empty (React resets it; password fields are not kept).
    await page.getByLabel('One-time password').fill(oneTimePassword);
    await page.getByLabel('New password', { exact: true }).fill('correct horse battery staple');
    await page.getByLabel('Repeat new password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL((url) => url.pathname === '/audit');
    expect(await page.getByText('Carol (approver)').count()).toBe(1);
    await context.close();

    const stale = await passwordSignIn(browser, app.url, 'carol@example.test', oneTimePassword);
    await stale.page.getByText('Wrong email or password.').waitFor();
    await stale.context.close();
    const fresh = await passwordSignIn(browser, app.url, 'carol@example.test', 'correct horse battery staple');
    await fresh.page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await fresh.context.close();

    const audit = await h.db.prisma.auditEvent.findMany({ where: { actor: 'user:carol' }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => e.type)).toEqual(['user.signed_in', 'user.password_changed', 'user.signed_in', 'user.sign_in_failed', 'user.signed_in']);
  });

  it('refuses a wrong password and an unknown email alike, and audits both', async () => {
    const before = await h.db.prisma.auditEvent.count({ where: { type: 'user.sign_in_failed' } });
    const wrong = await passwordSignIn(browser, app.url, 'carol@example.test', 'not her password');
    await wrong.page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    await screenshot(wrong.page, 'sign-in-wrong-password');
    expect((await wrong.context.cookies()).filter((c) => c.name.includes('session-token'))).toEqual([]);
    await wrong.context.close();
    const unknown = await passwordSignIn(browser, app.url, 'mallory@example.test', 'not her password');
    await unknown.page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    await unknown.context.close();

    const failures = await h.db.prisma.auditEvent.findMany({ where: { type: 'user.sign_in_failed' }, orderBy: { seq: 'asc' }, skip: before });
    expect(failures.map((e) => [e.actor, (e.payload as { reason: string }).reason])).toEqual([
      ['user:carol', 'wrong_password'],
      ['anonymous', 'unknown_email'],
    ]);
  });

  it('signs in through OIDC only a user whose verified email is known', async () => {
    const attempt = async (email: string, emailVerified: boolean | undefined) => {
      oidc.nextLogin = { email, emailVerified };
      const context = await browser.newContext({ baseURL: app.url });
      const page = await context.newPage();
      await page.goto('/sign-in');
      await page.getByRole('button', { name: 'Sign in with Test SSO' }).click();
      await page.waitForURL((url) => url.pathname === '/' || url.searchParams.has('error'));
      return { context, page };
    };
    for (const [email, verified] of [
      ['stranger@example.test', true],
      ['alice@example.test', false],
      // No claim at all: an address the provider does not vouch for (some let users edit it).
      ['alice@example.test', undefined],
      // Equal to alice's address only if `_` were a wildcard (as in ILIKE).
      ['al_ce@example.test', true],
    ] as const) {
      const refused = await attempt(email, verified);
      await refused.page.getByText(/no Airlock user has that verified email/).waitFor();
      await refused.context.close();
    }
    const { context, page } = await attempt('ALICE@example.test', true);
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    expect(await page.getByText('alice (approver)').count()).toBe(1);
    await context.close();
  });

  it('shows an action arriving live, and approving it returns the agent’s call', async () => {
    const { context, page } = await signedIn(browser, app.url, keys.alice);
    await page.locator('[data-live="live"]').waitFor();
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '125.00' }));
    const row = page.locator(`article[data-action-id="${actionId}"]`);
    await row.waitFor({ timeout: 15_000 });
    await screenshot(page, 'inbox');

    await row.getByRole('button', { name: 'Approve' }).click();
    // High tier: a confirmation dialog stands between the click and the decision.
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await screenshot(page, 'inbox-confirm');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome.status).toBe('executed');
    await row.waitFor({ state: 'detached', timeout: 15_000 });
    await context.close();
  });

  it('denies with feedback from the keyboard', async () => {
    const { context, page } = await signedIn(browser, app.url, keys.alice);
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '300.00' }));
    await page.locator(`article[data-action-id="${actionId}"]`).waitFor({ timeout: 15_000 });
    await page.keyboard.press('d');
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Reason/).fill('Not a duplicate');
    await dialog.getByLabel(/Feedback for the model/).fill('Ask the customer for the second receipt first.');
    await dialog.getByRole('button', { name: 'Deny' }).click();
    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome).toMatchObject({ status: 'denied', feedback: 'Ask the customer for the second receipt first.', deniedBy: 'alice' });
    await context.close();
  });

  it('lets a viewer look but not approve, and the server rejects forged decisions', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '80.00' }));
    const viewer = await signedIn(browser, app.url, keys.victor);
    const row = viewer.page.locator(`article[data-action-id="${actionId}"]`);
    await row.waitFor();
    expect(await row.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await viewer.page.keyboard.press('a');

    const body = { actionId, argsHash, decision: 'approve' };
    const forged = await viewer.context.request.post('/api/console/decisions', { data: body, headers: { origin: app.url } });
    expect(forged.status()).toBe(403);

    // An approver's cookie sent from another site (CSRF) is refused before the role is even looked at.
    const approver = await signedIn(browser, app.url, keys.alice);
    const crossSite = await approver.context.request.post('/api/console/decisions', { data: body, headers: { origin: 'http://evil.example' } });
    expect(crossSite.status()).toBe(403);

    const action = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    expect(action.status).toBe('awaiting_approval');
    await viewer.context.close();
    await approver.context.close();
  });

  it('approves with edited arguments from the action page, after showing the diff', async () => {
    const { context, page } = await signedIn(browser, app.url, keys.alice);
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '90.00' }));
    await page.goto(`/actions/${actionId}`);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    await page.getByLabel('Approve with edited arguments').check();
    const editor = page.getByLabel('Edited arguments (JSON)');
    const edited = (await editor.inputValue()).replace('"90.00"', '"-5"');
    await editor.fill(edited);
    await page.getByText(/editedArgs\.amount/).waitFor();
    await editor.fill(edited.replace('"-5"', '"40.00"'));
    await page.getByText('Valid for the tool’s schema.').waitFor();
    await page.locator('td.diff-add', { hasText: '"40.00"' }).waitFor();
    await screenshot(page, 'action-detail');
    await page
      .getByRole('button', { name: 'Confirm approval' })
      .or(page.getByRole('button', { name: 'Approve with edits' }))
      .first()
      .click();
    const confirm = page.getByRole('button', { name: 'Confirm approval' });
    if (await confirm.isVisible()) await confirm.click();
    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome.status).toBe('executed');
    const decision = await h.db.prisma.approvalDecision.findFirstOrThrow({ where: { approval: { actionId }, userId: 'alice' } });
    expect(decision.editedArgs).toMatchObject({ amount: '40.00' });
    await context.close();
  });

  it('reveals raw arguments to an admin only, auditing the reveal before showing them', async () => {
    const { actionId } = await submitAndWaitForApproval(
      h.client,
      h.taskQueue,
      refundRequest({ args: { paymentId: 'pay_123', amount: '60.00', currency: 'USD', reason: 'duplicate charge reported by dana@example.test' } }),
    );
    const { context, page } = await signedIn(browser, app.url, keys.bob);
    await page.goto(`/actions/${actionId}`);
    const argsCard = page.getByRole('region', { name: 'Arguments' });
    await argsCard.getByText('[REDACTED:email]').waitFor();
    await argsCard.getByRole('button', { name: 'Reveal raw arguments' }).click();
    const raw = argsCard.getByLabel('Raw arguments');
    await raw.waitFor();
    expect(await raw.textContent()).toContain('dana@example.test');
    await page.getByRole('table', { name: 'Audit events for this action' }).getByText('action.args_revealed').waitFor({ timeout: 10_000 });
    await screenshot(page, 'reveal-raw-args');
    const reveals = await h.db.prisma.auditEvent.findMany({ where: { actionId, type: 'action.args_revealed' } });
    expect(reveals.map((e) => [e.actor, e.payload])).toEqual([['user:bob', { channel: 'console' }]]);
    await context.close();

    // A viewer sees no button, and forging the request is refused on the server; so is an approver, and an admin's cookie from another site.
    const viewer = await signedIn(browser, app.url, keys.victor);
    await viewer.page.goto(`/actions/${actionId}`);
    await viewer.page.getByRole('heading', { name: 'Timeline' }).waitFor();
    expect(await viewer.page.getByRole('button', { name: 'Reveal raw arguments' }).count()).toBe(0);
    const forged = await viewer.context.request.post(`/api/console/actions/${actionId}/raw-args`, { headers: { origin: app.url } });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).not.toContain('dana@example.test');
    await viewer.context.close();
    const approver = await signedIn(browser, app.url, keys.alice);
    expect((await approver.context.request.post(`/api/console/actions/${actionId}/raw-args`, { headers: { origin: app.url } })).status()).toBe(403);
    await approver.context.close();
    const admin = await signedIn(browser, app.url, keys.bob);
    expect((await admin.context.request.post(`/api/console/actions/${actionId}/raw-args`, { headers: { origin: 'http://evil.example' } })).status()).toBe(403);
    await admin.context.close();
    expect(await h.db.prisma.auditEvent.count({ where: { actionId, type: 'action.args_revealed' } })).toBe(1);
  });

  it('pages, verifies and exports the audit log', async () => {
    const { context, page } = await signedIn(browser, app.url, keys.victor);
    await page.goto('/audit');
    await page.getByRole('button', { name: 'Verify hash chain' }).click();
    await page
      .getByText(/Links and hashes verify: \d+ rows \(head [0-9a-f]{16}…\)\. Signed checkpoints are not checked here; npm run airlock -- audit verify --public-key/)
      .waitFor();
    await screenshot(page, 'audit');

    const jsonl = await context.request.get('/api/console/audit/export?format=jsonl');
    expect(jsonl.status()).toBe(200);
    const lines = (await jsonl.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: string; type: string });
    const total = await h.db.prisma.auditEvent.count();
    expect(lines).toHaveLength(total);
    expect(lines.map((l) => Number(l.seq))).toEqual([...lines.map((l) => Number(l.seq))].sort((a, b) => a - b));

    const csv = await context.request.get('/api/console/audit/export?format=csv&actor=user:alice');
    const rows = (await csv.text()).trim().split('\n');
    expect(rows[0]).toBe('seq,created_at,type,actor,action_id,event_key,payload,prev_hash,hash');
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.slice(1).every((r) => r.split(',')[3] === 'user:alice')).toBe(true);

    const anonymous = await browser.newContext({ baseURL: app.url });
    expect((await anonymous.request.get('/api/console/audit/export?format=csv')).status()).toBe(401);
    await anonymous.close();
    await context.close();
  });

  it('shows a viewer the analytics: charts with their numbers, decision times and the rubber-stamp panel', async () => {
    const { context, page } = await signedIn(browser, app.url, keys.victor);
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    expect(await page.getByRole('link', { name: 'Analytics' }).getAttribute('aria-current')).toBe('page');
    // The requests earlier tests made: approved, denied, and more, as one image with a text summary and a table.
    const outcomes = page.getByRole('figure', { name: 'Requests by outcome, per day' });
    expect(await outcomes.getByRole('img').getAttribute('aria-label')).toMatch(/^Requests by outcome per day: \d+ in all; \d+ executed.*\d+ denied/);
    await outcomes.getByText('Show the numbers').click();
    await outcomes.getByRole('columnheader', { name: 'Executed' }).waitFor();
    const decisions = page.getByRole('figure', { name: 'Time to decision, per day' });
    expect(await decisions.getByRole('img').getAttribute('aria-label')).toMatch(/\d+ decisions, median .+, 95th percentile/);
    // Alice decided a handful of times, quickly (a test clicks fast), but fewer than five in a row: not flagged.
    const panel = page.getByRole('region', { name: 'Rubber-stamping' });
    await panel.getByText(/The one approver in this window is not flagged|None of the \d+ approvers is flagged/).waitFor();
    await panel.getByRole('rowheader', { name: /alice/ }).waitFor();
    await screenshot(page, 'analytics');

    await page.getByRole('link', { name: 'Last 24 hours' }).click();
    await page.getByRole('figure', { name: 'Requests by outcome, per hour' }).waitFor();
    expect(await page.getByRole('link', { name: 'Last 24 hours' }).getAttribute('aria-current')).toBe('page');
    await context.close();
  });

  it('classifies a sample request on the policies page', async () => {
    const { context, page } = await signedIn(browser, app.url, keys.victor);
    await page.goto('/policies');
    await page.getByRole('button', { name: 'Classify' }).click();
    await page.getByText(/require approval/).waitFor();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'require approval' }).textContent()).toMatch(/high/);
    await screenshot(page, 'policies');
    await context.close();
  });

  it('the policies page’s dry run of a plan shows the plan’s decision from its strictest step and each step’s decision and tier', async () => {
    const { context, page } = await signedIn(browser, app.url, keys.victor);
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

  it('an admin stops an agent with the kill switch (after typing its id), which cancels its pending action', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '70.00' }));
    const { context, page } = await signedIn(browser, app.url, keys.bob);
    await page.goto('/agents');
    const card = page.getByRole('region', { name: 'billing-bot' });
    await card.getByRole('button', { name: 'Kill switch…' }).click();
    await card.getByLabel('Reason').fill('runaway refunds');
    await card.getByLabel(/Type .* to confirm/).fill('wrong-id');
    await card.getByRole('button', { name: 'Stop agent' }).click();
    await card.getByText(/type the agent id/).waitFor();
    await card.getByLabel(/Type .* to confirm/).fill('billing-bot');
    await card.getByRole('button', { name: 'Stop agent' }).click();
    await card
      .getByText('stopped', { exact: true })
      .waitFor({ timeout: 10_000 })
      .catch(async (error: unknown) => {
        await screenshot(page, 'agents-failure');
        throw error;
      });
    await screenshot(page, 'agents');
    expect((await awaitOutcome(h.client, actionId)).status).toBe('cancelled');

    await card.getByRole('button', { name: 'Resume billing-bot' }).click();
    await card.getByText('active', { exact: true }).waitFor();
    await context.close();
  });
});
