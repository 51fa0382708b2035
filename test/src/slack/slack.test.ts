import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createAgent, createBudget, createUser } from '@airlock/db';
import { decide, disableUser, resumeScope, runUseCase, suspendAndCancel, userOperator } from '@airlock/ops';
import type { CompiledPolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';
import { ACTION_APPROVE, ACTION_DENY, ACTION_OPEN_CONSOLE, DENY_MODAL, PostgresSeenRequests, ReplayGuard, startSlackApp, type RunningSlackApp } from '@airlock/slack';
import { createLogger } from '@airlock/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval, waitForStatus } from '../support/actions.js';
import { escalatingDeadlinePolicy } from '../support/escalating-policy.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi, PostedMessage, RecordedCall } from './fake-slack-api.js';
import { button, buttonClick, buttons, modalSubmission, send, signInteraction, visibleText, type SlackClicker } from './interactions.js';
import { noticePolicy } from './notice-policy.js';
import { auditRows, notifierReadPast } from './notifier-progress.js';
import { postedMessage, startTestSlackApp } from './slack-app.js';
import { closeSlackTestBed, startSlackTestBed } from './test-bed.js';

const BOT_TOKEN = 'xoxb-airlock-test-token';
const SIGNING_SECRET = randomBytes(16).toString('hex');
const ROUTES = {
  default: 'C_APPROVALS',
  tiers: { critical: 'C_CRITICAL' },
  teams: { billing: 'C_BILLING' },
  escalations: { 'role:admin': 'C_ADMINS' },
};

const alice: SlackClicker = { id: 'U_ALICE', name: 'alice' };
const bob: SlackClicker = { id: 'U_BOB', name: 'bob' };
const carol: SlackClicker = { id: 'U_CAROL', name: 'carol' };
const mallory: SlackClicker = { id: 'U_MALLORY', name: 'mallory' };
const impostor: SlackClicker = { id: 'U_IMPOSTOR', name: 'alice-lookalike' };
const ghost: SlackClicker = { id: 'U_GHOST', name: 'ghost' };
// Their confirmed address would match bob's (bob@example.test) if `_` were a wildcard, as in ILIKE.
const lookalike: SlackClicker = { id: 'U_LOOKALIKE', name: 'b_b' };
const victor: SlackClicker = { id: 'U_VICTOR', name: 'victor' };
// Approvers an admin has disabled: dora by her confirmed email, erin by an explicit link.
const dora: SlackClicker = { id: 'U_DORA', name: 'dora' };
const erin: SlackClicker = { id: 'U_ERIN', name: 'erin' };

const defaultPolicy = loadPolicyFile(DEFAULT_POLICY_FILE);
let activePolicy: CompiledPolicy = defaultPolicy;

let h: Harness;
let fake: FakeSlackApi;
let slack: RunningSlackApp;
let eventsUrl: string;

beforeAll(async () => {
  ({ h, fake } = await startSlackTestBed({
    botToken: BOT_TOKEN,
    users: [
      { id: alice.id, name: 'alice', email: 'alice@example.test' },
      { id: bob.id, name: 'bob', email: 'BOB@example.test' },
      { id: 'U_OWNER', name: 'owner', email: 'owner@example.test' },
      { id: mallory.id, name: 'mallory', email: 'mallory@elsewhere.test' },
      // Claims alice's address but Slack never confirmed it: never a match.
      { id: impostor.id, name: 'alice-lookalike', email: 'alice@example.test', emailConfirmed: false },
      { id: lookalike.id, name: 'b_b', email: 'b_b@example.test' },
      { id: carol.id, name: 'carol' },
      // An Airlock viewer: known, but no role to decide.
      { id: victor.id, name: 'victor', email: 'victor@example.test' },
      { id: dora.id, name: 'dora', email: 'dora@example.test' },
      { id: erin.id, name: 'erin' },
    ],
    policy: () => activePolicy,
  }));
  await createUser(h.db, { id: 'carol', role: 'approver' });
  await h.db.prisma.slackUserLink.create({ data: { slackUserId: carol.id, userId: 'carol', createdBy: 'bob' } });
  await createUser(h.db, { id: 'dora', role: 'approver' });
  await createUser(h.db, { id: 'erin', role: 'approver' });
  await h.db.prisma.slackUserLink.create({ data: { slackUserId: erin.id, userId: 'erin', createdBy: 'bob' } });
  for (const id of ['dora', 'erin']) await runUseCase({ db: h.db }, userOperator({ id: 'bob', role: 'admin' }, 'api'), disableUser, { id, reason: 'left the company' });
  await createAgent(h.db, { id: 'ops-bot', team: 'ops', allowedTools: ['payments.*'] });
  await createBudget(h.db, { scope: 'team', target: 'billing', period: 'month', currency: 'USD', limit: '100000.00', approvalThreshold: '50000.00' });
  const started = await startTestSlackApp(h, fake, { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, routes: ROUTES, env: { AIRLOCK_SLACK_DM_ASSIGNEES: 'true' } });
  slack = started;
  eventsUrl = started.url;
});

afterAll(() => closeSlackTestBed({ app: slack, fake, h }));

async function click(message: PostedMessage, actionId: string, user: SlackClicker) {
  return send(eventsUrl, signInteraction(buttonClick(message, actionId, user), { secret: SIGNING_SECRET }));
}

const ephemeralTo = (user: SlackClicker, matches: (text: string) => boolean = () => true) =>
  fake.waitForCall('chat.postEphemeral', (c) => c.args.user === user.id && matches(String(c.args.text)));

describe('approval messages', () => {
  it('posts to the routed channel with tool, tier, reasons, redacted arguments, rationale, budget, deadline, quorum and buttons', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(
      h.client,
      h.taskQueue,
      refundRequest({
        args: { paymentId: 'pay_123', amount: '125.00', currency: 'USD', reason: 'duplicate charge; customer jane.doe@example.com' },
        rationale: 'Charged twice for order 881. <!channel> please look',
      }),
    );
    const message = await postedMessage(fake, actionId, 'C_BILLING');
    const text = visibleText(message);
    expect(text).toContain('Approval needed: payments.refund');
    expect(text).toContain(':large_orange_circle: high');
    expect(text).toContain('refunds: refunds over 50.00 need an approver');
    expect(text).toContain('paymentId: pay_123');
    expect(text).toContain('amount: 125.00');
    // Arguments and rationale are the redacted ones; an agent's text cannot ping a channel.
    expect(text).not.toContain('jane.doe@example.com');
    expect(text).toContain('[REDACTED:email]');
    expect(text).toContain('Charged twice for order 881. &lt;!channel&gt; please look');
    expect(text).not.toContain('<!channel>');
    expect(text).toMatch(/\*Deadline\*\\n<!date\^\d+\^/);
    expect(text).toContain('0 of 1 approval (approver)');
    expect(text).toContain('billing-bot (team billing)');
    expect(text).toMatch(/\*Budget impact\*\\n• team billing, per month: this action 125\.00 USD \(spent [\d.]+, reserved [\d.]+ of 100000(\.00)?, approval above 50000(\.00)?\)/);

    const approve = button(message.blocks, ACTION_APPROVE);
    expect(approve).toMatchObject({ style: 'primary', value: JSON.stringify({ actionId, round: 1, argsHash }) });
    // High risk: as in the console, approving takes a second click.
    expect(approve.confirm).toMatchObject({ title: { type: 'plain_text', text: 'Approve a high-risk action?' } });
    expect(button(message.blocks, ACTION_DENY)).toMatchObject({ style: 'danger' });
    // The action's own page: it stays there once the round is decided (an inbox anchor would not).
    expect(button(message.blocks, ACTION_OPEN_CONSOLE)).toMatchObject({ url: `http://console.airlock.test/actions/${actionId}` });

    // Eligible approvers with a Slack account get a DM too (by confirmed email, or carol by her link);
    // the agent's owner is not eligible.
    const dms = await Promise.all([postedMessage(fake, actionId, alice.id), postedMessage(fake, actionId, bob.id), postedMessage(fake, actionId, carol.id)]);
    expect(dms.map((m) => m.channel)).toEqual(['D_ALICE', 'D_BOB', 'D_CAROL']);
    expect(fake.calls('chat.postMessage').some((c) => c.args.channel === 'U_OWNER')).toBe(false);
    // Exactly once per (action, round, target), even though several audit events followed.
    expect(fake.calls('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(actionId))).toHaveLength(4);
  });

  it('approve: the tool runs and every copy of the message shows who decided, without buttons', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId, 'C_BILLING');
    const dm = await postedMessage(fake, actionId, alice.id);
    expect((await click(message, ACTION_APPROVE, alice)).status).toBe(200);

    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    for (const copy of [message, dm]) {
      const done = await fake.waitForMessage(copy.channel, copy.ts, (m) => visibleText(m).includes('succeeded'));
      expect(buttons(done.blocks)).toEqual([]);
      expect(visibleText(done)).toContain('Approved: payments.refund');
      expect(visibleText(done)).toMatch(/:white_check_mark: \*alice\* approved <!date\^\d+\^/);
      expect(visibleText(done)).toContain('Approved by alice');
      expect(visibleText(done)).toContain(`<http://console.airlock.test/actions/${actionId}|Open in console>`);
    }
    const decision = await h.db.prisma.approvalDecision.findFirstOrThrow({ where: { approval: { actionId } } });
    expect(decision).toMatchObject({ userId: 'alice', channel: 'slack', decision: 'approve' });
  });

  it('deny opens a modal; submitting it denies with the feedback for the model', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId, 'C_BILLING');
    expect((await click(message, ACTION_DENY, bob)).status).toBe(200);

    const opened = await fake.waitForCall('views.open', (c) => JSON.stringify(c.args.view).includes(actionId));
    expect(opened.args.trigger_id).toMatch(/^trigger\./);
    const view = (opened.response as { view: Record<string, unknown> }).view;
    expect(view).toMatchObject({ type: 'modal', callback_id: DENY_MODAL });
    // Both fields reach the agent (the outcome below): the modal must not call the reason a note for people.
    const hints = (view.blocks as { type: string; hint?: { text: string } }[]).filter((b) => b.type === 'input').map((b) => b.hint?.text);
    expect(hints).toEqual(['The model reads this to change its next attempt.', 'Returned to the agent as the reason for the denial, and kept in the audit log.']);
    // Nothing is decided until the modal is submitted.
    expect((await waitForStatus(h.client, actionId, () => true)).approval?.decisions).toEqual([]);

    const feedback = 'Check the order history first: order 881 was charged once.';
    const submission = modalSubmission(view, bob, { feedback, comment: 'not a duplicate charge' });
    expect((await send(eventsUrl, signInteraction(submission, { secret: SIGNING_SECRET }))).status).toBe(200);

    expect(await awaitOutcome(h.client, actionId)).toEqual({ status: 'denied', actionId, reason: 'not a duplicate charge', feedback, deniedBy: 'bob' });
    const done = await fake.waitForMessage(message.channel, message.ts, (m) => visibleText(m).includes('Denied by bob'));
    expect(buttons(done.blocks)).toEqual([]);
    expect(visibleText(done)).toContain(':no_entry: *bob* denied');
    expect(visibleText(done)).toContain('“not a duplicate charge”');
  });

  it('critical tiers confirm before approving, and show quorum progress after the first of two approvals', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '1500.00' }));
    const message = await postedMessage(fake, actionId, 'C_CRITICAL');
    expect(visibleText(message)).toContain(':red_circle: critical');
    expect(visibleText(message)).toContain('0 of 2 approvals');
    expect(button(message.blocks, ACTION_APPROVE).confirm).toMatchObject({
      title: { type: 'plain_text', text: 'Approve a critical-risk action?' },
      confirm: { type: 'plain_text', text: 'Approve' },
      deny: { type: 'plain_text', text: 'Cancel' },
    });

    await click(message, ACTION_APPROVE, alice);
    const progress = await fake.waitForMessage(message.channel, message.ts, (m) => visibleText(m).includes('1 of 2 approvals'));
    expect(visibleText(progress)).toContain('Waiting for 1 more approval');
    expect(visibleText(progress)).toContain('*alice* approved');
    expect(buttons(progress.blocks).map((b) => b.action_id)).toEqual([ACTION_APPROVE, ACTION_DENY, ACTION_OPEN_CONSOLE]);

    await click(progress, ACTION_APPROVE, bob);
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    const done = await fake.waitForMessage(message.channel, message.ts, (m) => visibleText(m).includes('succeeded'));
    expect(visibleText(done)).toContain('Approved by alice, bob');
    expect(visibleText(done)).toContain('2 of 2 approvals');
    expect(buttons(done.blocks)).toEqual([]);
  });

  it('an escalation posts to the next channel; the deadline then shows timed out everywhere', async () => {
    activePolicy = escalatingDeadlinePolicy('slack-expiring.yaml');
    try {
      const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
      const message = await postedMessage(fake, actionId, 'C_BILLING');
      const escalated = await postedMessage(fake, actionId, 'C_ADMINS');
      expect(visibleText(escalated)).toContain('escalated to role:admin (level 1)');
      expect(buttons(escalated.blocks).map((b) => b.action_id)).toContain(ACTION_APPROVE);

      expect((await awaitOutcome(h.client, actionId)).status).toBe('expired');
      for (const copy of [message, escalated]) {
        const done = await fake.waitForMessage(copy.channel, copy.ts, (m) => visibleText(m).includes('Timed out: payments.refund'));
        expect(visibleText(done)).toContain('no decision before the deadline');
        expect(buttons(done.blocks)).toEqual([]);
      }
    } finally {
      activePolicy = defaultPolicy;
    }
  });

  it('the kill switch cancels the approval and the message says so', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ agentId: 'ops-bot' }));
    // No team route for "ops": the default channel.
    const message = await postedMessage(fake, actionId, 'C_APPROVALS');
    await suspendAndCancel({ db: h.db, temporal: h.client }, userOperator({ id: 'bob', role: 'admin' }, 'api'), { scope: 'agent', target: 'ops-bot', reason: 'incident 42' });
    try {
      expect((await awaitOutcome(h.client, actionId)).status).toBe('cancelled');
      const done = await fake.waitForMessage(message.channel, message.ts, (m) => visibleText(m).includes('Cancelled: payments.refund'));
      expect(visibleText(done)).toContain('cancelled by the kill switch (agent ops-bot) by bob: incident 42');
      expect(buttons(done.blocks)).toEqual([]);
    } finally {
      await runUseCase({ db: h.db }, userOperator({ id: 'bob', role: 'admin' }, 'api'), resumeScope, { scope: 'agent', target: 'ops-bot' });
    }
  });
});

describe('request security', () => {
  async function criticalApproval() {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '1500.00' }));
    return { actionId, message: await postedMessage(fake, actionId, 'C_CRITICAL') };
  }

  async function assertUntouched(actionId: string) {
    const status = await waitForStatus(h.client, actionId, () => true);
    expect(status.phase).toBe('awaiting_approval');
    expect(status.approval?.decisions).toEqual([]);
    expect(await auditRows(h.db, actionId, 'slack.decision_refused')).toEqual([]);
  }

  it('refuses a forged signature with 401 and does nothing', async () => {
    const { actionId, message } = await criticalApproval();
    const forged = signInteraction(buttonClick(message, ACTION_APPROVE, alice), { secret: 'not-the-signing-secret' });
    expect((await send(eventsUrl, forged)).status).toBe(401);
    const unsigned = { ...forged, headers: { 'content-type': forged.headers['content-type']! } };
    expect((await send(eventsUrl, unsigned)).status).toBe(401);
    await assertUntouched(actionId);
  });

  it('refuses timestamps outside the 5-minute window, past or future, even when correctly signed', async () => {
    const { actionId, message } = await criticalApproval();
    const now = Math.floor(Date.now() / 1000);
    // A minute past either edge: a request can take seconds to arrive on a busy machine, which
    // would carry now + 301 into the window. The edges themselves: 'the window's edges' below.
    for (const timestamp of [now - 360, now + 360]) {
      const request = signInteraction(buttonClick(message, ACTION_APPROVE, alice), { secret: SIGNING_SECRET, timestamp });
      expect((await send(eventsUrl, request)).status).toBe(401);
    }
    await assertUntouched(actionId);
  });

  it('refuses a replayed request: the same signed click counts once', async () => {
    const { actionId, message } = await criticalApproval();
    const request = signInteraction(buttonClick(message, ACTION_APPROVE, alice), { secret: SIGNING_SECRET });
    expect((await send(eventsUrl, request)).status).toBe(200);
    expect((await send(eventsUrl, request)).status).toBe(401);
    const status = await waitForStatus(h.client, actionId, (s) => (s.approval?.decisions.length ?? 0) > 0);
    expect(status.approval?.decisions.map((d) => d.approverId)).toEqual(['alice']);
    await fake.waitForMessage(message.channel, message.ts, (m) => visibleText(m).includes('1 of 2 approvals'));
    // The replay never reached the listeners: no "already decided" refusal was audited.
    expect(await auditRows(h.db, actionId, 'slack.decision_refused')).toEqual([]);
  });
});

describe("the window's edges (the guard's own clock)", () => {
  it('accepts a timestamp 300 s away either way and refuses 301 s', async () => {
    const now = Date.now();
    const guard = new ReplayGuard(SIGNING_SECRET, new PostgresSeenRequests(h.db), () => now);
    const at = (offset: number, n: number) =>
      signInteraction({ type: 'block_actions', user: { id: alice.id }, n }, { secret: SIGNING_SECRET, timestamp: Math.floor(now / 1000) + offset });
    for (const [n, offset] of [-300, 300].entries()) {
      const request = at(offset, n);
      expect(await guard.admit(request.headers, request.body)).toEqual({ ok: true });
    }
    for (const [n, offset] of [-301, 301].entries()) {
      const request = at(offset, 10 + n);
      expect(await guard.admit(request.headers, request.body)).toEqual({ ok: false, reason: 'timestamp outside the 5-minute window' });
    }
  });
});

describe('more than one replica', () => {
  it('shares the replay guard through PostgreSQL: a request one replica accepted is a replay to another', async () => {
    const now = Date.now();
    const replicaA = new ReplayGuard(SIGNING_SECRET, new PostgresSeenRequests(h.db), () => now);
    const replicaB = new ReplayGuard(SIGNING_SECRET, new PostgresSeenRequests(h.db), () => now);
    // Bodies of their own: a body another test sent is a retry to the guard (see the retry test in resilience.test.ts).
    const request = signInteraction({ type: 'block_actions', user: { id: alice.id }, n: 101 }, { secret: SIGNING_SECRET, timestamp: Math.floor(now / 1000) });
    const [first, second] = await Promise.all([replicaA.admit(request.headers, request.body), replicaB.admit(request.headers, request.body)]);
    // Sent to both at once: exactly one accepts it.
    expect([first.ok, second.ok].sort()).toEqual([false, true]);
    expect(await replicaB.admit(request.headers, request.body)).toEqual({ ok: false, reason: 'replayed request' });
    // Keys leave the table once their window has closed (purged by a later request).
    const later = new ReplayGuard(SIGNING_SECRET, new PostgresSeenRequests(h.db), () => now + 302_000);
    const fresh = signInteraction({ type: 'block_actions', user: { id: alice.id }, n: 102 }, { secret: SIGNING_SECRET, timestamp: Math.floor((now + 302_000) / 1000) });
    expect(await later.admit(fresh.headers, fresh.body)).toEqual({ ok: true });
    // (Other tests' keys may still be in their windows: only this test's two are looked at.)
    const keys = (await h.db.prisma.slackSeenRequest.findMany()).map((k) => k.key);
    const keyOf = (r: typeof request) => `${r.headers['x-slack-request-timestamp']}:${r.headers['x-slack-signature']}`;
    expect(keys).toContain(keyOf(fresh));
    expect(keys).not.toContain(keyOf(request));
  });
});

describe('who may decide', () => {
  it('refuses an unknown Slack user (and an unconfirmed email) ephemerally, and audits it', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId, 'C_BILLING');

    await click(message, ACTION_APPROVE, mallory);
    const refusal = await ephemeralTo(mallory);
    expect(refusal.args).toMatchObject({ channel: 'C_BILLING' });
    expect(String(refusal.args.text)).toContain('Your approval was not recorded: no Airlock user has the confirmed email of your Slack account');

    await click(message, ACTION_APPROVE, ghost);
    expect(String((await ephemeralTo(ghost)).args.text)).toContain('Slack does not know your account');

    await click(message, ACTION_DENY, impostor);
    const unconfirmed = await ephemeralTo(impostor);
    expect(String(unconfirmed.args.text)).toContain('the email of your Slack account is not confirmed');
    // Turned away before the modal.
    expect(fake.calls('views.open').some((c) => JSON.stringify(c.args.view).includes(actionId))).toBe(false);

    await click(message, ACTION_APPROVE, lookalike);
    expect(String((await ephemeralTo(lookalike)).args.text)).toContain('no Airlock user has the confirmed email of your Slack account');

    const rows = await auditRows(h.db, actionId, 'slack.decision_refused');
    expect(rows.map((r) => ({ actor: r.actor, payload: r.payload }))).toEqual([
      {
        actor: 'slack:U_MALLORY',
        payload: expect.objectContaining({ slackUserId: 'U_MALLORY', slackTeamId: 'T_TEST', airlockUserId: null, decision: 'approve', round: 1 }),
      },
      { actor: 'slack:U_GHOST', payload: expect.objectContaining({ slackUserId: 'U_GHOST', reason: 'Slack does not know your account' }) },
      { actor: 'slack:U_IMPOSTOR', payload: expect.objectContaining({ slackUserId: 'U_IMPOSTOR', decision: 'deny' }) },
      { actor: 'slack:U_LOOKALIKE', payload: expect.objectContaining({ slackUserId: 'U_LOOKALIKE', airlockUserId: null, decision: 'approve' }) },
    ]);
    expect((await waitForStatus(h.client, actionId, () => true)).approval?.decisions).toEqual([]);
  });

  it('refuses a viewer at the click, naming the role needed, without opening the deny modal', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId, 'C_BILLING');

    expect((await click(message, ACTION_DENY, victor)).status).toBe(200);
    const denyRefusal = await ephemeralTo(victor, (text) => text.includes('denial'));
    expect(String(denyRefusal.args.text)).toContain('Your denial was not recorded: deciding this approval needs the approver role or higher, and your Airlock role is viewer');
    expect(fake.calls('views.open').some((c) => JSON.stringify(c.args.view).includes(actionId))).toBe(false);

    await click(message, ACTION_APPROVE, victor);
    const approveRefusal = await ephemeralTo(victor, (text) => text.includes('approval was not recorded'));
    expect(String(approveRefusal.args.text)).toContain('needs the approver role or higher, and your Airlock role is viewer');
    expect(String(approveRefusal.args.text)).not.toMatch(/is not an approver of this round/);

    const rows = await auditRows(h.db, actionId, 'slack.decision_refused');
    expect(rows.map((r) => ({ actor: r.actor, decision: (r.payload as { decision: string }).decision }))).toEqual([
      { actor: 'user:victor', decision: 'deny' },
      { actor: 'user:victor', decision: 'approve' },
    ]);
    expect((await waitForStatus(h.client, actionId, () => true)).approval?.decisions).toEqual([]);
  });

  it('refuses a disabled user at the click, by email or by link, without opening a modal, and audits it', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId, 'C_BILLING');

    expect((await click(message, ACTION_DENY, dora)).status).toBe(200);
    const denyRefusal = await ephemeralTo(dora, (text) => text.includes('denial'));
    expect(denyRefusal.args).toMatchObject({ channel: 'C_BILLING' });
    expect(String(denyRefusal.args.text)).toContain('Your denial was not recorded: your Airlock account is disabled');
    expect(fake.calls('views.open').some((c) => JSON.stringify(c.args.view).includes(actionId))).toBe(false);

    await click(message, ACTION_APPROVE, dora);
    expect(String((await ephemeralTo(dora, (text) => text.includes('approval'))).args.text)).toContain('Your approval was not recorded: your Airlock account is disabled');
    await click(message, ACTION_APPROVE, erin);
    expect(String((await ephemeralTo(erin)).args.text)).toContain('Your approval was not recorded: your Airlock account is disabled');

    const rows = await auditRows(h.db, actionId, 'slack.decision_refused');
    const reason = 'your Airlock account is disabled';
    expect(rows.map((r) => ({ actor: r.actor, payload: r.payload }))).toEqual([
      { actor: 'user:dora', payload: expect.objectContaining({ slackUserId: 'U_DORA', airlockUserId: 'dora', decision: 'deny', reason }) },
      { actor: 'user:dora', payload: expect.objectContaining({ slackUserId: 'U_DORA', airlockUserId: 'dora', decision: 'approve', reason }) },
      { actor: 'user:erin', payload: expect.objectContaining({ slackUserId: 'U_ERIN', airlockUserId: 'erin', decision: 'approve', reason }) },
    ]);
    expect((await waitForStatus(h.client, actionId, () => true)).approval?.decisions).toEqual([]);
  });

  it('refuses self-approval with the validator’s reason, shown only to the clicker and audited', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ requestedBy: 'alice' }));
    const message = await postedMessage(fake, actionId, 'C_BILLING');
    await click(message, ACTION_APPROVE, alice);

    const refusal = await ephemeralTo(alice, (text) => text.includes('requested this action'));
    expect(String(refusal.args.text)).toBe(':no_entry: Your approval was not recorded: alice requested this action, so someone else must approve it.');
    const rows = await auditRows(h.db, actionId, 'slack.decision_refused');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: 'user:alice',
      payload: expect.objectContaining({ airlockUserId: 'alice', reason: 'alice requested this action, so someone else must approve it' }),
    });
    expect((await waitForStatus(h.client, actionId, () => true)).approval?.decisions).toEqual([]);
  });

  it('a double click records one decision and tells the clicker the second was already decided', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId, 'C_BILLING');
    const [first, second] = await Promise.all([click(message, ACTION_APPROVE, bob), click(message, ACTION_APPROVE, bob)]);
    expect([first.status, second.status]).toEqual([200, 200]);

    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    const notice: RecordedCall = await ephemeralTo(bob, (text) => text.startsWith(':information_source: Your approval was not recorded'));
    expect(notice.args.text).toBe(':information_source: Your approval was not recorded: this action was already approved by bob (bob@example.test).');
    expect(notice.args.channel).toBe('C_BILLING');
    expect(await auditRows(h.db, actionId, 'approval.decision')).toHaveLength(1);
    expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(1);
    expect(await h.db.prisma.ledgerEntry.count({ where: { idempotencyKey: `${actionId}:run` } })).toBe(1);
    expect(await auditRows(h.db, actionId, 'slack.decision_refused')).toHaveLength(1);
  });

  it('tells an approver who clicks after someone else decided who that was and how', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId, 'C_BILLING');
    await decide({ db: h.db, temporal: h.client }, userOperator({ id: 'bob', role: 'admin' }, 'api'), { actionId, decision: 'approve', argsHash });
    expect((await click(message, ACTION_APPROVE, alice)).status).toBe(200);

    const notice = await ephemeralTo(alice, (text) => text.includes('already'));
    expect(notice.args.text).toBe(':information_source: Your approval was not recorded: this action was already approved by bob (bob@example.test).');
    expect((await auditRows(h.db, actionId, 'slack.decision_refused'))[0]?.payload).toMatchObject({
      airlockUserId: 'alice',
      // The audit log redacts the address, as it does every email it is given.
      reason: 'this action was already approved by bob ([REDACTED:email])',
    });
  });

  it('an explicitly linked Slack account decides as its Airlock user', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId, 'C_BILLING');
    await click(message, ACTION_APPROVE, carol);
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    const decision = await h.db.prisma.approvalDecision.findFirstOrThrow({ where: { approval: { actionId } } });
    expect(decision).toMatchObject({ userId: 'carol', channel: 'slack' });
  });
});

describe('allow_and_notify', () => {
  it('posts one notice without buttons to the routed channel; the action runs without waiting', async () => {
    activePolicy = noticePolicy;
    try {
      const { actionId } = await submitAction(h.client, h.taskQueue, refundRequest({ amount: '20.00', rationale: 'Refund <!channel> for order 17.' }));
      expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
      const message = await postedMessage(fake, actionId, 'C_BILLING');
      const text = visibleText(message);
      expect(text).toContain('Allowed with notice: `payments.refund`');
      expect(text).toContain('billing-bot (team billing)');
      expect(text).toContain('small refunds run at once, and finance hears about them');
      expect(text).toContain('amount: 20.00');
      expect(text).toContain('&lt;!channel&gt;');
      expect(buttons(message.blocks)).toEqual([]);
      const rows = await h.db.prisma.slackMessage.findMany({ where: { actionId } });
      expect(rows.map((r) => [r.round, r.kind, r.target])).toEqual([[0, 'notice', 'C_BILLING']]);
      // Later events of the action (tool run, completion) post nothing more.
      await notifierReadPast(h.db, actionId);
      const posts = fake.calls('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(actionId));
      expect(posts).toHaveLength(1);
    } finally {
      activePolicy = defaultPolicy;
    }
  });
});

describe('secrets', () => {
  it('never sends a token or the signing secret in any Slack call', () => {
    const messages = ['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'views.open'].flatMap((method) => fake.calls(method));
    const sent = JSON.stringify(messages.map((c) => c.args));
    expect(messages.length).toBeGreaterThan(10);
    expect(sent).not.toContain(BOT_TOKEN);
    expect(sent).not.toContain(SIGNING_SECRET);
  });
});

describe('start-up', () => {
  it('skips with one clear line when the Slack tokens are not configured', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const logger = createLogger({ name: 'airlock-slack', level: 'info', format: 'json', destination });
    const running = await startSlackApp({ env: {}, db: h.db, databaseUrl: h.database.url, temporal: h.client, logger });
    expect(running).toBeUndefined();
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['Slack: not configured (SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET unset), skipping']);
  });

  it('rejects a configured app without routes, naming the variable', async () => {
    await expect(
      startSlackApp({ env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET }, db: h.db, databaseUrl: h.database.url, temporal: h.client }),
    ).rejects.toThrow(/AIRLOCK_SLACK_ROUTES: is required when Slack is configured/);
  });
});

// The ids the tests use must be the ones the decisions carry: a sanity check on the helpers themselves.
describe('the signed-request helper', () => {
  it('produces requests the receiver accepts for a button that does nothing (open in console)', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId, 'C_BILLING');
    expect((await click(message, ACTION_OPEN_CONSOLE, alice)).status).toBe(200);
  });
});
