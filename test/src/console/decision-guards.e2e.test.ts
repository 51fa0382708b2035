import { defaultActivityDeps } from '@airlock/activities';
import { createAgent } from '@airlock/db';
import { DEFAULT_POLICY_FILE, PolicyStore } from '@airlock/policy/files';
import { builtinTools } from '@airlock/tools';
import { describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { screenshot, signedIn, useBrowserConsole } from './browser.js';

// What the console offers and checks around a decision, in the built console (`next start`) and real Chromium,
// against a real worker (with the built-in shell.exec), Temporal and PostgreSQL:
// - a viewer's decision is refused by the decision use case, which audits it (the console's guard refused it first,
//   leaving no operator.forbidden row where REST writes one);
// - a plan is not offered "Approve and remember" (its steps cannot be bound: the grant would cover every plan);
// - an edit that breaks a built-in tool's schema is reported as you type, naming the field (it said "Valid").
describe('the console’s decision guards', () => {
  const bed = useBrowserConsole({
    deps: (db) => defaultActivityDeps(db, new PolicyStore(DEFAULT_POLICY_FILE), builtinTools({ shell: {} })),
    seed: (h) => createAgent(h.db, { id: 'ops-bot', team: 'ops', ownerId: 'owner', allowedTools: ['shell.*'] }),
    keys: ['alice', 'victor'],
  });

  it('a viewer’s decision sent to the console is refused with 403 and audited as operator.forbidden', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '80.00' }));
    const viewer = await signedIn(bed.browser, bed.app.url, bed.keys.victor);
    const forged = await viewer.context.request.post('/api/console/decisions', { data: { actionId, argsHash, decision: 'approve' }, headers: { origin: bed.app.url } });
    expect(forged.status()).toBe(403);
    expect(((await forged.json()) as { message: string }).message).toMatch(/role viewer may not do this; approver or higher is required \(action\.decide\)/);
    const rows = await bed.h.db.prisma.auditEvent.findMany({ where: { type: 'operator.forbidden', actor: 'user:victor' } });
    expect(rows.map((e) => e.payload)).toEqual([{ action: 'action.decide', requiredRole: 'approver', role: 'viewer', channel: 'console' }]);
    expect(await bed.h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(0);
    await viewer.context.close();
  });

  it('a plan is not offered approve and remember; a refund is', async () => {
    const plan = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, {
      agentId: 'billing-bot',
      tool: 'airlock.plan',
      args: {
        steps: [
          { tool: 'demo.echo', args: { message: 'hi' } },
          { tool: 'payments.refund', args: { paymentId: 'pay_1', amount: '60.00', currency: 'EUR', reason: 'r' } },
        ],
      },
      rationale: 'Ticket 9.',
      idempotencyKey: 'guards-plan',
    });
    const refund = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, refundRequest({ amount: '90.00' }));
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
    await page.goto(`/actions/${refund.actionId}`);
    await page.getByLabel('Approve and remember (standing approval)').waitFor();
    await page.goto(`/actions/${plan.actionId}`);
    await page.getByLabel('Approve with edited arguments').waitFor();
    expect(await page.getByLabel('Approve and remember (standing approval)').count()).toBe(0);
    await screenshot(page, 'plan-no-remember');
    await context.close();
  });

  it('an edit breaking shell.exec’s schema is reported as you type, naming editedArgs.command', async () => {
    const { actionId } = await submitAndWaitForApproval(bed.h.client, bed.h.taskQueue, {
      agentId: 'ops-bot',
      tool: 'shell.exec',
      args: { command: ['ls', '-la'] },
      rationale: 'List the scratch directory.',
      idempotencyKey: 'guards-shell',
    });
    const { context, page } = await signedIn(bed.browser, bed.app.url, bed.keys.alice);
    await page.goto(`/actions/${actionId}`);
    await page.getByLabel('Approve with edited arguments').check();
    await page.getByLabel('Edited arguments (JSON)').fill('{"command": "rm -rf /"}');
    await page.getByText(/editedArgs\.command/).waitFor();
    expect(await page.getByText('Valid for the tool’s schema.').count()).toBe(0);
    await page.getByLabel('Edited arguments (JSON)').fill('{"command": ["ls"]}');
    await page.getByText('Valid for the tool’s schema.').waitFor();
    await context.close();
  });
});
