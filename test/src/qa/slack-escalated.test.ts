import { randomBytes } from 'node:crypto';
import { awaitOutcome } from '@airlock/core/gateway';
import { createUser } from '@airlock/db';
import { compilePolicy } from '@airlock/policy';
import { ACTION_APPROVE, type RunningSlackApp } from '@airlock/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi } from '../slack/fake-slack-api.js';
import { buttonClick, send, signInteraction, type SlackClicker } from '../slack/interactions.js';
import { postedMessage, startTestSlackApp } from '../slack/slack-app.js';
import { closeSlackTestBed, startSlackTestBed } from '../slack/test-bed.js';

/**
 * A round that needs an admin and escalates to a group of approvers: once it has escalated, the
 * group decides it in Slack as over REST. Slack's click-time check compared the clicker's role with
 * the round's own role only, and turned the escalation's approvers away.
 */
const BOT_TOKEN = 'xoxb-airlock-qa-token';
const SIGNING_SECRET = randomBytes(16).toString('hex');
const lena: SlackClicker = { id: 'U_LENA', name: 'lena' };

const ADMIN_THEN_LEADS = compilePolicy(
  `apiVersion: airlock/v1\nrules:\n  - id: admin-refunds\n    tools: [payments.refund]\n    tier: medium\n    outcome: require_approval\n    reason: an admin decides, leads after a second\n    approval: { role: admin, deadline: 1h, escalation: [{ after: 1s, to: leads }] }\n`,
  'admin-then-leads.yaml',
);

let h: Harness;
let fake: FakeSlackApi;
let slack: RunningSlackApp;
let eventsUrl: string;

beforeAll(async () => {
  ({ h, fake } = await startSlackTestBed({ botToken: BOT_TOKEN, users: [{ id: lena.id, name: 'lena', email: 'lena@example.test' }], policy: () => ADMIN_THEN_LEADS }));
  await createUser(h.db, { id: 'lena', role: 'approver', groups: ['leads'] });
  slack = await startTestSlackApp(h, fake, { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
  eventsUrl = slack.url!;
});
afterAll(() => closeSlackTestBed({ app: slack, fake, h }));

describe('Slack after an escalation', () => {
  it('takes the approval of an approver the round escalated to', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId);
    for (let pauseMs = 20; (await h.db.prisma.auditEvent.count({ where: { actionId, type: 'approval.escalated' } })) === 0;) await new Promise((r) => setTimeout(r, pauseMs));

    expect((await send(eventsUrl, signInteraction(buttonClick(message, ACTION_APPROVE, lena), { secret: SIGNING_SECRET }))).status).toBe(200);
    const outcome = await Promise.race([
      awaitOutcome(h.client, actionId),
      fake.waitForCall('chat.postEphemeral', (c) => c.args.user === lena.id).then((c) => ({ status: `refused: ${String(c.args.text)}` })),
    ]);
    expect(outcome.status).toBe('executed');
    const decisions = await h.db.prisma.approvalDecision.findMany({ where: { approval: { actionId } }, select: { userId: true, channel: true } });
    expect(decisions).toEqual([{ userId: 'lena', channel: 'slack' }]);
  });
});
