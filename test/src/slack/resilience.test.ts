import { createHash, randomBytes } from 'node:crypto';
import { awaitOutcome } from '@airlock/core/gateway';
import { ACTION_APPROVE, ACTION_DENY, type RunningSlackApp } from '@airlock/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval, waitForStatus } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi, PostedMessage } from './fake-slack-api.js';
import { buttonClick, buttons, modalSubmission, send, signInteraction, visibleText, type SlackClicker } from './interactions.js';
import { auditRows, notifierReadPast, until } from './notifier-progress.js';
import { postedMessage, startTestSlackApp } from './slack-app.js';
import { closeSlackTestBed, startSlackTestBed } from './test-bed.js';

// The Slack app when Slack misbehaves or a request is not what a button sends: Web API failures
// while a decision is in flight, modals whose text the decision would refuse, retried and
// misdirected interactions. Real Bolt receiver, real Temporal and PostgreSQL, fake Web API.

const BOT_TOKEN = 'xoxb-airlock-resilience-token';
const SIGNING_SECRET = randomBytes(16).toString('hex');
const alice: SlackClicker = { id: 'U_ALICE', name: 'alice' };
const bob: SlackClicker = { id: 'U_BOB', name: 'bob' };

let h: Harness;
let fake: FakeSlackApi;
let slack: RunningSlackApp;
let eventsUrl: string;
const logLines: { level: number; msg: string }[] = [];

beforeAll(async () => {
  ({ h, fake } = await startSlackTestBed({
    botToken: BOT_TOKEN,
    users: [
      { id: alice.id, name: 'alice', email: 'alice@example.test' },
      { id: bob.id, name: 'bob', email: 'bob@example.test' },
    ],
  }));
  const started = await startTestSlackApp(h, fake, {
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    logLines,
    // Retries of messages Slack failed to update wait one poll at first.
    pollIntervalMs: 300,
    // A test writes the message's timestamp while a click waits: the wait must outlast a stalled machine.
    postWaitMs: 30_000,
  });
  slack = started;
  eventsUrl = started.url;
});

afterAll(() => closeSlackTestBed({ app: slack, fake, h }));

const signed = (payload: unknown) => send(eventsUrl, signInteraction(payload, { secret: SIGNING_SECRET }));
const click = (message: PostedMessage, actionId: string, user: SlackClicker) => signed(buttonClick(message, actionId, user));
const ephemeralTo = (user: SlackClicker, matches: (text: string) => boolean) =>
  fake.waitForCall('chat.postEphemeral', (c) => c.args.user === user.id && matches(String(c.args.text)));

describe('Slack failing while a decision is in flight', () => {
  it('chat.update failing (HTTP 500) through every event of the decision: the decision stands once, and the message catches up once Slack answers', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId);
    fake.failNext('chat.update', { status: 500 }, { times: Infinity, when: (args) => args.ts === message.ts });

    expect((await click(message, ACTION_APPROVE, alice)).status).toBe(200);
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    // Every event of the action (decision, approval, tool, completion) was handled while Slack failed.
    await notifierReadPast(h.db, actionId);
    await fake.waitForCall('chat.update', (c) => c.args.ts === message.ts && c.response.httpStatus === 500);
    expect(fake.message(message.channel, message.ts)!.versions).toHaveLength(1);
    fake.heal('chat.update');

    const done = await fake.waitForMessage(message.channel, message.ts, (m) => visibleText(m).includes('succeeded'));
    expect(buttons(done.blocks)).toEqual([]);
    expect(visibleText(done)).toContain('Approved by alice');
    expect(await auditRows(h.db, actionId, 'approval.decision')).toHaveLength(1);
    expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(1);
    expect(await auditRows(h.db, actionId, 'slack.decision_refused')).toEqual([]);
  });

  it('views.open failing (an expired trigger): the clicker is told the form did not open, and nothing is decided', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId);
    fake.failNext('views.open', { error: 'expired_trigger_id' }, { when: (args) => JSON.stringify(args.view).includes(actionId) });

    expect((await click(message, ACTION_DENY, bob)).status).toBe(200);
    const notice = await ephemeralTo(bob, (text) => text.includes('could not open'));
    expect(notice.args).toMatchObject({
      channel: 'C_APPROVALS',
      text: ':warning: Slack could not open the form to deny this action (expired_trigger_id). Nothing was decided: click the button again, or decide in the console.',
    });
    const status = await waitForStatus(h.client, actionId, () => true);
    expect(status.phase).toBe('awaiting_approval');
    expect(status.approval?.decisions).toEqual([]);
  });
});

describe('the deny modal refuses text the decision cannot take, and stays open', () => {
  it('NUL characters and over-long feedback come back as errors under their fields; a corrected submission denies', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId);
    const earlier = fake.calls('views.open').length;
    expect((await click(message, ACTION_DENY, bob)).status).toBe(200);
    const opened = await fake.waitForCall('views.open', (c) => fake.calls('views.open').indexOf(c) >= earlier && JSON.stringify(c.args.view).includes(actionId));
    const view = (opened.response as { view: Record<string, unknown> }).view;

    const refused = await signed(modalSubmission(view, bob, { feedback: 'x'.repeat(4001), comment: 'wrong\u0000account' }));
    expect(refused.status).toBe(200);
    expect(JSON.parse(refused.body)).toEqual({
      response_action: 'errors',
      errors: { feedback: 'At most 4000 characters, and this has 4001: shorten it.', comment: 'This text must not contain NUL characters.' },
    });
    // Nothing was sent to the workflow, and nothing refused (the modal is still open with the text).
    expect((await waitForStatus(h.client, actionId, () => true)).approval?.decisions).toEqual([]);
    expect(await auditRows(h.db, actionId, 'slack.decision_refused')).toEqual([]);

    const accepted = await signed(modalSubmission(view, bob, { feedback: 'Check order 881 first.', comment: 'wrong account' }));
    expect(accepted.status).toBe(200);
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'denied', feedback: 'Check order 881 first.', reason: 'wrong account', deniedBy: 'bob' });
  });
});

describe('interactions that are not what a button of ours sends', () => {
  it('a retry of an interaction Slack already delivered and Airlock acted on (same body, signed again, X-Slack-Retry-Num) is answered 200 and not acted on twice', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId);
    const payload = buttonClick(message, ACTION_APPROVE, alice);
    const first = signInteraction(payload, { secret: SIGNING_SECRET });
    expect((await send(eventsUrl, first)).status).toBe(200);
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    // The click is marked acted once its listeners have returned, which may be after the workflow's outcome.
    const acted = `acted:${createHash('sha256').update(first.body).digest('hex')}`;
    await until('the click to be marked acted', async () => ((await h.db.prisma.slackSeenRequest.count({ where: { key: acted } })) > 0 ? true : undefined));

    const retry = signInteraction(payload, { secret: SIGNING_SECRET, timestamp: Number(first.headers['x-slack-request-timestamp']) + 1 });
    expect(retry.body).toBe(first.body);
    const answered = await send(eventsUrl, { ...retry, headers: { ...retry.headers, 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    expect(answered.status).toBe(200);
    // Answered by the guard before any listener ran: the clicker is not told their own approval "was not recorded".
    expect(logLines.some((l) => l.msg === 'ignored a retry of a request already acted on (X-Slack-Retry-Num: 1)')).toBe(true);
    expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(1);
  });

  it('a button whose value names another action, or on a message Airlock did not post for it, is refused and audited', async () => {
    const { actionId: target } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '1500.00' }));
    const { actionId: decoy } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '60.00' }));
    const targetMessage = await postedMessage(fake, target);
    const decoyMessage = await postedMessage(fake, decoy);

    // The decoy's message, with the target's Approve value under its button.
    const swapped = buttonClick(decoyMessage, ACTION_APPROVE, alice);
    swapped.actions[0]!.value = buttonClick(targetMessage, ACTION_APPROVE, alice).actions[0]!.value;
    expect((await signed(swapped)).status).toBe(200);
    const refusal = await ephemeralTo(alice, (text) => text.includes('is not on a message'));
    expect(refusal.args.text).toBe(
      `:no_entry: Your approval was not recorded: this button is not on a message Airlock posted for action ${target}; decide from the action's own message or in the console.`,
    );

    // The target's own buttons on a message in a channel Airlock never posted it to.
    const elsewhere = { ...targetMessage, channel: 'C_ELSEWHERE', ts: '1799999999.000001' };
    expect((await click(elsewhere, ACTION_DENY, bob)).status).toBe(200);
    await ephemeralTo(bob, (text) => text.includes('is not on a message'));
    expect(fake.calls('views.open').some((c) => JSON.stringify(c.args.view).includes(target))).toBe(false);

    const rows = await auditRows(h.db, target, 'slack.decision_refused');
    expect(rows.map((r) => ({ actor: r.actor, decision: (r.payload as { decision: string }).decision }))).toEqual([
      { actor: 'user:alice', decision: 'approve' },
      { actor: 'user:bob', decision: 'deny' },
    ]);
    for (const actionId of [target, decoy]) expect((await waitForStatus(h.client, actionId, () => true)).approval?.decisions).toEqual([]);
  });

  it('a click on an action id Airlock does not handle is acknowledged at once and logged, deciding nothing', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const payload = buttonClick(await postedMessage(fake, actionId), ACTION_APPROVE, alice);
    payload.actions[0]!.action_id = 'airlock_edit';
    expect((await signed(payload)).status).toBe(200);
    expect(logLines.some((l) => l.msg === 'ignored a click on an action Airlock does not handle: airlock_edit')).toBe(true);
    expect((await waitForStatus(h.client, actionId, () => true)).approval?.decisions).toEqual([]);
  });

  it('a click on a message Slack has just posted, before the notifier has written where, counts', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId);
    // Slack's answer is seen before the notifier writes it down: undone only once written, or the write would redo it.
    await until('the notifier to record the message', () => h.db.prisma.slackMessage.findFirst({ where: { actionId, ts: message.ts } }).then((row) => row ?? undefined));
    // As between Slack's answer to chat.postMessage and the notifier's write of its channel and timestamp.
    await h.db.prisma.slackMessage.updateMany({ where: { actionId, target: 'C_APPROVALS' }, data: { channel: null, ts: null } });
    expect((await click(message, ACTION_APPROVE, alice)).status).toBe(200);
    // The click waits for that write (and counts only on the message it records).
    for (let i = 0; !logLines.some((l) => l.msg === `a click on action ${actionId} waits for the notifier to record the message Slack has just posted`); i += 1) {
      if (i > 400) throw new Error('the click never waited for the notifier');
      await new Promise((r) => setTimeout(r, 50));
    }
    await h.db.prisma.slackMessage.updateMany({ where: { actionId, target: 'C_APPROVALS' }, data: { channel: message.channel, ts: message.ts } });
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    expect(await auditRows(h.db, actionId, 'slack.decision_refused')).toEqual([]);
  });
});
