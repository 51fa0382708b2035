import { readFile } from 'node:fs/promises';
import { recordPolicyRuntime } from '@airlock/db';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';
import { compilePolicy } from '@airlock/policy';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot, signedIn, useBrowserConsole } from './browser.js';

// The admin pages of the built console (`next start`) in real headless Chromium,
// against a real worker, Temporal and PostgreSQL: an admin sets up a new agent from
// nothing, and that agent's first actions go through the gate with the key the page showed once.
describe('console administration in the browser', () => {
  const bed = useBrowserConsole({ keys: ['bob', 'victor', 'alice'] });

  /** The key the agent page showed once, carried from the first test to the revocation test. */
  let agentKey = '';

  const api = (path: string, key: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${bed.app.url}/api/v1${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${key}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });

  /** Submits a form section's button and waits for its live region to say `done`. */
  async function submitAndSee(page: Page, button: string, done: RegExp): Promise<void> {
    await page.getByRole('button', { name: button, exact: true }).click();
    await page.getByRole('status').filter({ hasText: done }).waitFor({ timeout: 30_000 });
  }

  const auditBy = (actor: string, type: string) => bed.h.db.prisma.auditEvent.count({ where: { actor, type } });

  it('an admin creates an agent, mints its key, gives it tools and a budget, links a Slack user; the agent’s actions go through the gate', async () => {
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.bob);
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Agents and keys' }).waitFor();

    // A bad id is refused by the use case, naming the field; nothing is created and what was typed stays.
    await page.getByLabel('Agent id').fill('E2E Bot');
    await page.getByLabel('Team').fill('support');
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /Create agent refused: id: / })
      .waitFor();
    await screenshot(page, 'admin-agent-refused');
    expect(await page.getByLabel('Team').inputValue()).toBe('support');

    await page.getByLabel('Agent id').fill('e2e-bot');
    await submitAndSee(page, 'Create agent', /Created agent e2e-bot \(team support\)/);
    await page.getByRole('link', { name: 'e2e-bot', exact: true }).click();
    await page.getByRole('heading', { name: 'e2e-bot', level: 1 }).waitFor();

    await page.getByLabel(/^Allowed tools/).fill('demo.echo\npayments.refund');
    await page.getByLabel('Owner', { exact: true }).selectOption('owner');
    await submitAndSee(page, 'Save agent', /Saved e2e-bot: team support, owner owner, tools demo\.echo, payments\.refund/);

    await page.getByLabel(/^Key name/).fill('e2e');
    await submitAndSee(page, 'Mint key', /Minted key “e2e”/);
    agentKey = await page.locator('.secret input').inputValue();
    expect(agentKey).toMatch(/^alk_/);
    await page.locator('tr', { hasText: 'e2e' }).getByText('active').waitFor();
    await screenshot(page, 'admin-agent-key');
    // Shown once: after a reload the page lists the key by its prefix only.
    await page.reload();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    expect(await page.content()).not.toContain(agentKey);

    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Budgets' }).click();
    await page.getByRole('heading', { name: 'Budgets', level: 1 }).waitFor();
    await page.getByLabel('Scope').selectOption('agent');
    await page.getByLabel(/^Target/).fill('e2e-bot');
    await page.getByLabel('Period').selectOption('day');
    await page.getByLabel('Currency').fill('EUR');
    await page.getByLabel('Limit', { exact: true }).fill('100.00');
    await page.getByLabel(/^Approval above/).fill('20.00');
    await submitAndSee(page, 'Create budget', /Created a day budget of 100\.00 EUR for agent e2e-bot/);
    await page.getByRole('cell', { name: /agent e2e-bot per day/ }).waitFor();
    await screenshot(page, 'admin-budgets');

    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Slack links' }).click();
    await page.getByLabel(/^Slack user id/).fill('U0E2EALICE');
    await page.getByLabel('Airlock user').selectOption('alice');
    await submitAndSee(page, 'Link', /Linked Slack user U0E2EALICE to alice/);
    await page.locator('td.mono', { hasText: 'U0E2EALICE' }).waitFor();
    await screenshot(page, 'admin-slack');

    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Users and roles' }).click();
    await page.getByRole('heading', { name: 'Users and roles' }).waitFor();
    await screenshot(page, 'admin-users');
    await context.close();

    // Each step was one use case: one audit row each, by the admin.
    for (const type of ['agent.created', 'agent.updated', 'api_key.minted', 'budget.created', 'slack_link.created']) expect(await auditBy('user:bob', type), type).toBe(1);
    expect(await bed.h.db.prisma.slackUserLink.findUniqueOrThrow({ where: { slackUserId: 'U0E2EALICE' } })).toMatchObject({ userId: 'alice', createdBy: 'user:bob' });

    // The new agent, with the key the page showed: an allowed tool runs at once ...
    const echo = await api('/actions', agentKey, { body: { tool: 'demo.echo', args: { message: 'hello from e2e-bot' }, idempotencyKey: 'e2e-1' } });
    expect(echo.status).toBe(202);
    const { actionId: echoId } = (await echo.json()) as { actionId: string };
    const echoed = (await (await api(`/actions/${echoId}/outcome?waitMs=20000`, agentKey)).json()) as { status: string };
    expect(echoed.status).toBe('executed');
    // ... a tool outside its list is denied ...
    const sleep = await api('/actions', agentKey, { body: { tool: 'demo.sleep', args: { ms: 1 }, idempotencyKey: 'e2e-2' } });
    const { actionId: sleepId } = (await sleep.json()) as { actionId: string };
    expect(((await (await api(`/actions/${sleepId}/outcome?waitMs=20000`, agentKey)).json()) as { status: string }).status).toBe('denied');
    // ... and a refund above the budget's approval threshold waits for a person, then runs once approved.
    const refund = await api('/actions', agentKey, {
      body: { tool: 'payments.refund', args: { paymentId: 'pay_9', amount: '30.00', currency: 'EUR', reason: 'damaged item' }, rationale: 'Ticket 9.', idempotencyKey: 'e2e-3' },
    });
    expect(refund.status).toBe(202);
    const { actionId, argsHash } = (await refund.json()) as { actionId: string; argsHash: string };
    for (;;) {
      const view = (await (await api(`/actions/${actionId}`, bed.keys.bob)).json()) as { status: string };
      if (view.status === 'awaiting_approval') break;
      expect(['requested', 'classifying', 'running']).toContain(view.status);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await api(`/actions/${actionId}/decisions`, bed.keys.alice, { body: { decision: 'approve', argsHash } })).status).toBe(200);
    const approved = (await (await api(`/actions/${actionId}/outcome?waitMs=20000`, agentKey)).json()) as { status: string };
    expect(approved.status).toBe('executed');
  });

  it('a revoked key is refused at once', async () => {
    expect(agentKey).not.toBe('');
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.bob);
    await page.goto('/admin/agents/e2e-bot');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: /^Revoke: key alk_/ }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Revoked alk_.*: it is refused from the next request on/ })
      .waitFor({ timeout: 30_000 });
    await page.locator('tr').getByText('revoked').waitFor();
    await screenshot(page, 'admin-key-revoked');
    await context.close();
    const refused = await api('/actions', agentKey, { body: { tool: 'demo.echo', args: { message: 'after revocation' }, idempotencyKey: 'e2e-4' } });
    expect(refused.status).toBe(401);
    expect(await auditBy('user:bob', 'api_key.revoked')).toBe(1);
  });

  it('a viewer or an approver cannot reach any admin page or endpoint: 403, and each attempt is audited', async () => {
    const pages = ['/admin', '/admin/agents', '/admin/agents/e2e-bot', '/admin/users', '/admin/users/bob', '/admin/budgets', '/admin/slack'];
    for (const [who, key] of [
      ['victor', bed.keys.victor],
      ['alice', bed.keys.alice],
    ] as const) {
      const { context, page } = await signedIn(bed.browser, bed.app.url, key);
      expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
      const before = await auditBy(`user:${who}`, 'operator.forbidden');
      for (const path of pages) {
        const response = await page.goto(path);
        expect(response?.status(), `${who} ${path}`).toBe(403);
        await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
        expect(await page.getByRole('heading', { name: 'Agents and keys' }).count()).toBe(0);
      }
      if (who === 'victor') await screenshot(page, 'admin-forbidden');
      // One row per attempt, not one per layout and page.
      expect(await auditBy(`user:${who}`, 'operator.forbidden')).toBe(before + pages.length);
      await context.close();
    }
    const rows = await bed.h.db.prisma.auditEvent.findMany({ where: { type: 'operator.forbidden', actor: 'user:victor' } });
    expect(rows[0]?.payload).toMatchObject({ action: 'console.admin_pages', channel: 'console', role: 'viewer', requiredRole: 'admin' });

    // The same people over REST with their own keys.
    for (const [path, method, body] of [
      ['/users', 'GET', undefined],
      ['/agents', 'POST', { id: 'sneaky-bot', team: 'x' }],
      ['/agents/e2e-bot/keys', 'POST', {}],
      ['/slack-links', 'POST', { slackUserId: 'U0SNEAKY', userId: 'victor' }],
    ] as const) {
      const before = await auditBy('user:victor', 'operator.forbidden');
      expect((await api(path, bed.keys.victor, { method, body })).status, path).toBe(403);
      expect(await auditBy('user:victor', 'operator.forbidden'), path).toBe(before + 1);
    }
    expect(await bed.h.db.prisma.agent.count({ where: { id: 'sneaky-bot' } })).toBe(0);
  });

  it('the Policies page says which version the console and each worker run', async () => {
    const text = await readFile(DEFAULT_POLICY_FILE, 'utf8');
    const version = compilePolicy(text, DEFAULT_POLICY_FILE).version;
    await recordPolicyRuntime(bed.h.db, { workerId: '4242@e2e-worker', source: DEFAULT_POLICY_FILE, version, text });
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.victor);
    await page.getByRole('link', { name: 'Policies' }).click();
    const runtimes = page.getByRole('region', { name: 'Who runs which version' });
    await runtimes.getByText(`This console shows and dry-runs version ${version.slice(0, 12)} as the workers report it`).waitFor();
    await runtimes
      .getByRole('row', { name: /worker 4242@e2e-worker/ })
      .getByText('same version')
      .waitFor();
    await screenshot(page, 'policies-runtimes');
    await context.close();
  });
});
