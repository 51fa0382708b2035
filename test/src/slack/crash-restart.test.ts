import { randomBytes } from 'node:crypto';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import type { CompiledPolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';
import { ACTION_APPROVE } from '@airlock/slack';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi, FakeFailure, PostedMessage } from './fake-slack-api.js';
import { buttonClick, buttons, send, signInteraction, visibleText, type SlackClicker } from './interactions.js';
import { noticePolicy } from './notice-policy.js';
import { auditRows, carries, notifierReadPast, until } from './notifier-progress.js';
import { RestartableSlackApp } from './restartable-app.js';
import { postedMessage, type SlackAppProcess } from './slack-app.js';
import { closeSlackTestBed, startSlackTestBed } from './test-bed.js';

// What a Slack app process that dies owes Slack: the app runs in a process of its own and is
// SIGKILLed while a message Slack failed to take waits for its retry. The next process is started
// after an outage longer than its retry horizon (deliveryGiveUpMs: an hour in production, seconds
// here), so only what the dead process left in the database can tell it what is still owed.
// Real Bolt receiver, Temporal and PostgreSQL; fake Web API on loopback.

const BOT_TOKEN = 'xoxb-airlock-crash-token';
const SIGNING_SECRET = randomBytes(16).toString('hex');
const alice: SlackClicker = { id: 'U_ALICE', name: 'alice' };
/** The first process retries for an hour: it is killed long before it would give up. */
const HOUR = 60 * 60_000;
/** The retry horizon of the processes started after the outage. */
const HORIZON_MS = 2_000;
const POLL_MS = 300;
/** How long a wait on the app's process may take before the test fails showing its output. */
const WAIT_MS = 60_000;
/** An upper bound, not a speed check: each test starts the app's process two or three times, and tsx compiles it at each start. */
const PROCESS_TEST_TIMEOUT_MS = 600_000;

const defaultPolicy = loadPolicyFile(DEFAULT_POLICY_FILE);
let activePolicy: CompiledPolicy = defaultPolicy;

let h: Harness;
let fake: FakeSlackApi;
const app = new RestartableSlackApp();

beforeAll(async () => {
  ({ h, fake } = await startSlackTestBed({ botToken: BOT_TOKEN, users: [{ id: alice.id, name: 'alice', email: 'alice@example.test' }], policy: () => activePolicy }));
});

afterEach(async () => {
  activePolicy = defaultPolicy;
  for (const method of ['chat.postMessage', 'chat.update']) fake.heal(method);
  await app.stop();
});

afterAll(async () => {
  await app.stop();
  await closeSlackTestBed({ fake, h });
});

async function startApp(deliveryGiveUpMs: number): Promise<SlackAppProcess> {
  return app.start(h, fake, { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, pollIntervalMs: POLL_MS, deliveryGiveUpMs });
}

/** The outage: no process runs until the log's last event is further back than the next process's horizon. */
async function outlastHorizon(): Promise<void> {
  const last = await h.db.prisma.auditEvent.findFirstOrThrow({ orderBy: { seq: 'desc' }, select: { createdAt: true } });
  await until('the outage to outlast the retry horizon', () => (Date.now() - last.createdAt.getTime() > HORIZON_MS + 500 ? true : undefined));
}

async function approve(message: PostedMessage, actionId: string): Promise<void> {
  const answer = await send(app.running.url, signInteraction(buttonClick(message, ACTION_APPROVE, alice), { secret: SIGNING_SECRET }));
  expect(answer.status).toBe(200);
  expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
}

/** An approved action whose decision's chat.update Slack answers with `failure` (HTTP 500 unless said) until healed, read to its end by the notifier. */
async function decidedWhileSlackFails(failure: FakeFailure & { status: number } = { status: 500 }): Promise<{ actionId: string; message: PostedMessage }> {
  const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
  const message = await postedMessage(fake, actionId);
  fake.failNext('chat.update', failure, { times: Infinity, when: (args) => args.ts === message.ts });
  await approve(message, actionId);
  await notifierReadPast(h.db, actionId, WAIT_MS, app.output);
  await fake.waitForCall('chat.update', (c) => c.args.ts === message.ts && c.response.httpStatus === failure.status);
  return { actionId, message };
}

/** Resolves once the running process has caught up: open rounds synced, every owed message that is due tried again. */
const caughtUp = () => app.running.waitForLine(/Slack catch-up: /, WAIT_MS);

/** The chat.update calls made so far for a message. */
const updatesOf = (message: PostedMessage) => fake.calls('chat.update').filter((c) => c.args.ts === message.ts).length;

describe('a Slack app process killed while a delivery waits for its retry', () => {
  it(
    'the next process, after an outage longer than its retry horizon, updates the decided message and posts the notice, once each',
    async () => {
      await startApp(HOUR);
      const { actionId, message } = await decidedWhileSlackFails();
      const rationale = `Refund for order ${randomBytes(4).toString('hex')} (before a crash).`;
      fake.failNext('chat.postMessage', { status: 500 }, { times: Infinity, when: carries(rationale) });
      activePolicy = noticePolicy;
      const { actionId: notified } = await submitAction(h.client, h.taskQueue, refundRequest({ amount: '20.00', rationale }));
      expect((await awaitOutcome(h.client, notified)).status).toBe('executed');
      await notifierReadPast(h.db, notified, WAIT_MS, app.output);
      await fake.waitForCall('chat.postMessage', (c) => carries(rationale)(c.args) && c.response.httpStatus === 500);
      // Still the open round's buttons: nothing of the decision reached Slack.
      expect(fake.message(message.channel, message.ts)!.versions).toHaveLength(1);

      await app.kill();
      fake.heal('chat.update');
      fake.heal('chat.postMessage');
      await outlastHorizon();
      await startApp(HORIZON_MS);

      const done = await fake.waitForMessage(message.channel, message.ts, (m) => visibleText(m).includes('succeeded'), 60_000);
      expect(buttons(done.blocks)).toEqual([]);
      expect(visibleText(done)).toContain('Approved by alice');
      await fake.waitForCall('chat.postMessage', (c) => carries(rationale)(c.args) && c.response.ok === true, 60_000);
      expect(fake.calls('chat.postMessage').filter((c) => carries(rationale)(c.args) && c.response.ok === true)).toHaveLength(1);
      for (const id of [actionId, notified]) expect(await auditRows(h.db, id, 'slack.delivery_failed')).toEqual([]);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'a message Slack still refuses after the horizon is given up and audited once: not again, nor tried again, at the next start',
    async () => {
      await startApp(HOUR);
      const { actionId, message } = await decidedWhileSlackFails();
      await app.kill();
      await outlastHorizon();

      await startApp(HORIZON_MS);
      const [row, ...more] = await until(
        'a slack.delivery_failed row',
        async () => {
          const rows = await auditRows(h.db, actionId, 'slack.delivery_failed');
          return rows.length > 0 ? rows : undefined;
        },
        WAIT_MS,
        app.output,
      );
      expect(more).toEqual([]);
      expect(row!.payload).toMatchObject({ message: 'approval', round: 1, channel: message.channel, ts: message.ts, call: 'chat.update', error: 'http_500', permanent: false });
      // Killed once it is done with the message: its row no longer says it is owed.
      await until(
        'the message to be owed no more',
        async () => {
          const owed = await h.db.prisma.slackMessage.findFirstOrThrow({ where: { channel: message.channel, ts: message.ts }, select: { owedSince: true } });
          return owed.owedSince === null ? true : undefined;
        },
        WAIT_MS,
        app.output,
      );
      await app.kill();

      const updatesBefore = updatesOf(message);
      await startApp(HORIZON_MS);
      await caughtUp();
      expect(updatesOf(message)).toBe(updatesBefore);
      expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toHaveLength(1);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'a process killed after Slack took a post but before its timestamp was written: the next one finds the message instead of posting it again, and updates it',
    async () => {
      await startApp(HOUR);
      const rationale = `Refund for order ${randomBytes(4).toString('hex')} (killed mid-post).`;
      // Slack takes the post; its answer never reaches the process.
      const held = fake.holdNextAnswer('chat.postMessage', carries(rationale));
      const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ rationale }));
      const accepted = await fake.waitForCall('chat.postMessage', (c) => carries(rationale)(c.args) && c.response.ok === true, WAIT_MS);
      await app.kill();
      held.release();
      expect(await h.db.prisma.slackMessage.findFirstOrThrow({ where: { actionId }, select: { ts: true } })).toEqual({ ts: null });

      await startApp(HOUR);
      await caughtUp();
      const accepts = () => fake.calls('chat.postMessage').filter((c) => carries(rationale)(c.args) && c.response.ok === true);
      expect(accepts()).toHaveLength(1);
      const row = await h.db.prisma.slackMessage.findFirstOrThrow({ where: { actionId }, select: { channel: true, ts: true } });
      expect(row).toEqual({ channel: accepted.response.channel, ts: accepted.response.ts });

      // The adopted message is Airlock's: its button counts, and it shows the outcome.
      const message = fake.message(String(accepted.response.channel), String(accepted.response.ts))!;
      await approve(message, actionId);
      const done = await fake.waitForMessage(message.channel, message.ts, (m) => visibleText(m).includes('succeeded'), WAIT_MS);
      expect(buttons(done.blocks)).toEqual([]);
      expect(accepts()).toHaveLength(1);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    "a rate limit's Retry-After outlives the process: the process started at once after the kill waits for it too",
    async () => {
      await startApp(HOUR);
      const { message } = await decidedWhileSlackFails({ status: 429, retryAfterSeconds: 300 });
      await app.kill();
      const updatesBefore = updatesOf(message);

      await startApp(HOUR);
      await caughtUp();
      expect(updatesOf(message)).toBe(updatesBefore);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});
