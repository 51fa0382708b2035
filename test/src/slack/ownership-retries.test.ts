import { createHash, randomBytes } from 'node:crypto';
import { awaitOutcome } from '@airlock/core/gateway';
import { ACTION_APPROVE, ACTION_DENY, PostgresSeenRequests, ReplayGuard, type RunningSlackApp } from '@airlock/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval, waitForStatus } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi, PostedMessage } from './fake-slack-api.js';
import { buttonClick, send, signInteraction, type SignedRequest, type SlackClicker } from './interactions.js';
import { postedMessage, startTestSlackApp } from './slack-app.js';
import { closeSlackTestBed, startSlackTestBed } from './test-bed.js';

// Which clicks count while a post is in flight or has failed (only the very message Airlock posted), and
// Slack's retries of a click whose first delivery was never acted on. Real Bolt receiver, real Temporal and
// PostgreSQL, fake Web API.

const BOT_TOKEN = 'xoxb-airlock-ownership-token';
const SIGNING_SECRET = randomBytes(16).toString('hex');
const alice: SlackClicker = { id: 'U_ALICE', name: 'alice' };

let h: Harness;
let fake: FakeSlackApi;
let slack: RunningSlackApp;
let eventsUrl: string;
const logLines: { level: number; msg: string }[] = [];

beforeAll(async () => {
  ({ h, fake } = await startSlackTestBed({ botToken: BOT_TOKEN, users: [{ id: alice.id, name: 'alice', email: 'alice@example.test' }] }));
  const started = await startTestSlackApp(h, fake, {
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    logLines,
    pollIntervalMs: 300,
    // A test writes the message's timestamp while a click waits: the wait must outlast a stalled machine (the
    // 10 s window of a post in flight still bounds it).
    postWaitMs: 30_000,
  });
  slack = started;
  eventsUrl = started.url;
});

afterAll(() => closeSlackTestBed({ app: slack, fake, h }));

const signed = (payload: unknown) => send(eventsUrl, signInteraction(payload, { secret: SIGNING_SECRET }));
const decisions = (actionId: string) => h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } });

async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; !(await condition()); i += 1) {
    if (i > 400) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A copy of the action's message (its buttons, values and all) posted elsewhere, e.g. with the bot token. */
function copyOf(message: PostedMessage, channel: string): PostedMessage {
  return { ...message, channel, ts: `17999${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}.000001` };
}

/** A click on a message Airlock did not post for the action: refused, audited, told to the clicker, nothing decided. */
async function expectRefused(actionId: string, clicked: PostedMessage): Promise<void> {
  // Counted before the click: an earlier click's refusal must not answer for this one.
  const refused = () => h.db.prisma.auditEvent.count({ where: { actionId, type: 'slack.decision_refused' } });
  const refusalsBefore = await refused();
  const ephemeralsBefore = fake.calls('chat.postEphemeral').length;
  expect((await signed(buttonClick(clicked, ACTION_APPROVE, alice))).status).toBe(200);
  await fake.waitForCall(
    'chat.postEphemeral',
    (c) =>
      fake.calls('chat.postEphemeral').indexOf(c) >= ephemeralsBefore &&
      c.args.user === alice.id &&
      c.args.channel === clicked.channel &&
      String(c.args.text).includes(`is not on a message Airlock posted for action ${actionId}`),
  );
  // The refusal is audited before the clicker is told.
  expect(await refused()).toBe(refusalsBefore + 1);
  expect((await waitForStatus(h.client, actionId, () => true)).approval?.decisions).toEqual([]);
}

describe('a button counts only on the very message Airlock posted', () => {
  it('a direct message still unposted (failed or in flight) lets no copy of its buttons count, in a channel or in the DM', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId);
    // A DM to alice whose chat.postMessage failed or is in flight: claimed, no channel or timestamp written.
    await h.db.prisma.slackMessage.create({ data: { actionId, round: 1, target: alice.id, kind: 'direct' } });
    // A copy of the Approve button in a channel Airlock never posted the action to.
    await expectRefused(actionId, copyOf(message, 'C_ELSEWHERE'));
    // A copy in alice's DM with the app: the post may be in flight, so the click waits, but nothing is recorded there.
    await expectRefused(actionId, copyOf(message, 'D_ALICE'));
    expect(logLines.some((l) => l.msg === `a click on action ${actionId} waits for the notifier to record the message Slack has just posted`)).toBe(true);
  });

  it('a post that failed a while ago is not waited for: a copy where it was going is refused at once', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId);
    const longAgo = new Date(Date.now() - 60_000);
    await h.db.prisma.slackMessage.create({ data: { actionId, round: 1, target: alice.id, kind: 'direct', createdAt: longAgo, updatedAt: longAgo } });
    await expectRefused(actionId, copyOf(message, 'D_ALICE'));
    expect(logLines.some((l) => l.msg === `a click on action ${actionId} waits for the notifier to record the message Slack has just posted`)).toBe(false);
  });

  it('a click in the DM on the message Slack has just posted, before the notifier has written where, counts once it is written', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const dm = copyOf(await postedMessage(fake, actionId), 'D_ALICE');
    await h.db.prisma.slackMessage.create({ data: { actionId, round: 1, target: alice.id, kind: 'direct' } });
    expect((await signed(buttonClick(dm, ACTION_APPROVE, alice))).status).toBe(200);
    await waitFor('the click to wait', () => logLines.some((l) => l.msg === `a click on action ${actionId} waits for the notifier to record the message Slack has just posted`));
    // The notifier's write of Slack's answer to chat.postMessage.
    await h.db.prisma.slackMessage.update({ where: { actionId_round_target: { actionId, round: 1, target: alice.id } }, data: { channel: dm.channel, ts: dm.ts } });
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    expect(await h.db.prisma.auditEvent.count({ where: { actionId, type: 'slack.decision_refused' } })).toBe(0);
  });
});

/** The same body as `first`, signed again a moment later, with Slack's retry headers. */
function retryOf(first: SignedRequest, payload: unknown): SignedRequest {
  const again = signInteraction(payload, { secret: SIGNING_SECRET, timestamp: Number(first.headers['x-slack-request-timestamp']) + 1 });
  expect(again.body).toBe(first.body);
  return { ...again, headers: { ...again.headers, 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } };
}

describe("Slack's retry of a click", () => {
  it('a click whose first delivery died after the replay guard stored it is acted on when Slack retries it', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const payload = buttonClick(await postedMessage(fake, actionId), ACTION_APPROVE, alice);
    const first = signInteraction(payload, { secret: SIGNING_SECRET });
    // The first delivery reached a replica (this guard, sharing the table) that died right after the guard's insert.
    expect(await new ReplayGuard(SIGNING_SECRET, new PostgresSeenRequests(h.db)).admit(first.headers, first.body)).toEqual({ ok: true });
    // Its in-flight mark has expired (a retry within it is taken to overlap a delivery still running).
    await h.db.prisma.slackSeenRequest.deleteMany({ where: { key: { startsWith: 'inflight:' } } });
    expect((await send(eventsUrl, retryOf(first, payload))).status).toBe(200);
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    expect(await decisions(actionId)).toBe(1);
  });

  it('a retry of a click that was decided but not marked acted (died just after) decides nothing again and tells the clicker nothing false', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const payload = buttonClick(await postedMessage(fake, actionId), ACTION_APPROVE, alice);
    const first = signInteraction(payload, { secret: SIGNING_SECRET });
    expect((await send(eventsUrl, first)).status).toBe(200);
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    // As if the process died between the decision and recording that the click was acted on.
    await waitFor('the click to be marked acted', async () => (await h.db.prisma.slackSeenRequest.deleteMany({ where: { key: { startsWith: 'acted:' } } })).count > 0);
    // Slack's retry comes after the in-flight mark has expired.
    await h.db.prisma.slackSeenRequest.deleteMany({ where: { key: { startsWith: 'inflight:' } } });
    const before = fake.calls('chat.postEphemeral').length;
    expect((await send(eventsUrl, retryOf(first, payload))).status).toBe(200);
    await waitFor('the retry to be refused as already recorded', () =>
      logLines.some((l) => l.msg === `a retried approve of action ${actionId} by alice was already recorded by its first delivery`),
    );
    expect(await decisions(actionId)).toBe(1);
    expect(
      fake
        .calls('chat.postEphemeral')
        .slice(before)
        .filter((c) => c.args.user === alice.id),
    ).toEqual([]);
    expect(await h.db.prisma.auditEvent.count({ where: { actionId, type: 'slack.decision_refused' } })).toBe(0);
  });

  it('a retry arriving while the first delivery is still being acted on is answered 503 (Slack sends it again later) and not acted on', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const payload = buttonClick(await postedMessage(fake, actionId), ACTION_DENY, alice);
    const first = signInteraction(payload, { secret: SIGNING_SECRET });
    const opensOf = () => fake.calls('views.open').filter((c) => JSON.stringify(c.args.view).includes(actionId));
    // The first delivery's listener is still waiting for Slack to open its modal when the retry comes.
    const held = fake.holdNextAnswer('views.open', (args) => JSON.stringify(args.view).includes(actionId));
    const firstAnswer = send(eventsUrl, first);
    await fake.waitForCall('views.open', (c) => JSON.stringify(c.args.view).includes(actionId));
    expect((await send(eventsUrl, retryOf(first, payload))).status).toBe(503);
    expect(logLines.some((l) => l.msg === 'answered 503 to a retry of a request still being acted on, so Slack sends it again later (X-Slack-Retry-Num: 1)')).toBe(true);
    held.release();
    expect((await firstAnswer).status).toBe(200);
    const acted = `acted:${createHash('sha256').update(first.body).digest('hex')}`;
    await waitFor('the click to be marked acted', async () => (await h.db.prisma.slackSeenRequest.count({ where: { key: acted } })) > 0);
    expect(opensOf()).toHaveLength(1);
  });
});
