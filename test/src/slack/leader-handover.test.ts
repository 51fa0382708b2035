import { randomBytes } from 'node:crypto';
import { awaitOutcome, decideAction } from '@airlock/core/gateway';
import type { RunningSlackApp } from '@airlock/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi } from './fake-slack-api.js';
import { buttons, visibleText, type SlackClicker } from './interactions.js';
import { auditRows, carries, notifierReadPast, until } from './notifier-progress.js';
import { APPROVALS_CHANNEL, startTestSlackApp, type SlackLogLine } from './slack-app.js';
import { closeSlackTestBed, startSlackTestBed } from './test-bed.js';

// Two Slack app replicas, and the leader's LISTEN session (the one holding the audit tail's advisory
// lock) terminated while it is in the middle of a batch: the fake holds its answer to the approval's
// chat.postMessage, so the old leader still has the round's DM to post, from the state it read before.
// The other replica takes the lead at once and handles the same events, and the action is decided and
// completes; only then does the old leader get its answer. It must send nothing more: one message per
// target, each showing the outcome without buttons, the cursor never moved back, nothing given up.
// Waits poll the database or the fake; both apps run in this process (startTestSlackApp).

const BOT_TOKEN = 'xoxb-airlock-leader-handover-token';
const SIGNING_SECRET = randomBytes(16).toString('hex');
/** An eligible approver with a Slack account: the round has a DM to her beside the channel's message. */
const alice: SlackClicker = { id: 'U_ALICE', name: 'alice' };
const POLL_MS = 300;
const WAIT_MS = 60_000;

let h: Harness;
let fake: FakeSlackApi;
const apps: RunningSlackApp[] = [];
const oldLeaderLog: SlackLogLine[] = [];

beforeAll(async () => {
  ({ h, fake } = await startSlackTestBed({ botToken: BOT_TOKEN, users: [{ id: alice.id, name: 'alice', email: 'alice@example.test' }] }));
});

afterAll(async () => {
  for (const app of apps) await app.stop();
  await closeSlackTestBed({ fake, h });
});

const startReplica = async (logLines?: SlackLogLine[]): Promise<RunningSlackApp> => {
  const app = await startTestSlackApp(h, fake, {
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    pollIntervalMs: POLL_MS,
    // Nothing is given up within the test.
    deliveryGiveUpMs: 60 * 60_000,
    env: { AIRLOCK_SLACK_DM_ASSIGNEES: 'true' },
    ...(logLines ? { logLines } : {}),
  });
  apps.push(app);
  return app;
};

/** The session holding the Slack audit tail's advisory lock (the leader's LISTEN connection), in this test's database. */
const leaderSession = async (): Promise<number | undefined> =>
  (
    await h.db.pool.query<{ pid: number }>(
      `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE a.datname = current_database() AND l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended('airlock:audit-tail:' || 'slack', 0)`,
    )
  ).rows[0]?.pid;

/** The tails' LISTEN sessions in this test's database (their last statement tried the lock). */
const tailSessions = async (): Promise<number> =>
  (
    await h.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%pg_try_advisory_lock(hashtextextended(''airlock:audit-tail:''%'`,
    )
  ).rows[0]!.n;

const cursor = async (): Promise<bigint> => (await h.db.prisma.auditCursor.findUnique({ where: { consumer: 'slack' } }))?.seq ?? 0n;

/** The posts Slack (the fake) took of messages carrying `rationale`, to `channel`. */
const taken = (rationale: string, channel: string) =>
  fake.calls('chat.postMessage').filter((c) => c.args.channel === channel && carries(rationale)(c.args) && c.response.ok === true);

describe("the leader's LISTEN session terminated while it handles a batch", () => {
  it('the next leader handles the events; the old one, once Slack answers, sends nothing more and leaves the cursor where the new one put it', async () => {
    await startReplica(oldLeaderLog);
    const oldLeader = await until('the first replica to lead', leaderSession, WAIT_MS);
    await startReplica();
    // The second replica's tail is connected, and follows.
    await until('the second replica to connect its tail', async () => ((await tailSessions()) === 2 ? true : undefined), WAIT_MS);
    expect(await leaderSession()).toBe(oldLeader);

    const rationale = `Refund for order ${randomBytes(4).toString('hex')} (leader lost mid-batch).`;
    // Slack takes the channel's post; its answer is held, the round's DM to alice not sent yet.
    const held = fake.holdNextAnswer('chat.postMessage', (args) => args.channel === APPROVALS_CHANNEL && carries(rationale)(args));
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ rationale }));
    const channelPost = await fake.waitForCall('chat.postMessage', (c) => c.args.channel === APPROVALS_CHANNEL && carries(rationale)(c.args), WAIT_MS);
    expect(taken(rationale, alice.id)).toEqual([]);

    await h.db.pool.query('SELECT pg_terminate_backend($1)', [oldLeader]);
    const newLeader = await until(
      'the second replica to take the lead',
      async () => {
        const pid = await leaderSession();
        return pid !== undefined && pid !== oldLeader ? pid : undefined;
      },
      WAIT_MS,
    );
    expect(newLeader).not.toBe(oldLeader);

    // The new leader adopts the channel's message (Slack has it) and posts the DM; then the action is decided and runs.
    const [dmPost] = await until('the new leader to post the DM', () => (taken(rationale, alice.id).length > 0 ? taken(rationale, alice.id) : undefined), WAIT_MS);
    await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    await notifierReadPast(h.db, actionId, WAIT_MS);
    const messages = [
      { channel: String(channelPost.response.channel), ts: String(channelPost.response.ts) },
      { channel: String(dmPost!.response.channel), ts: String(dmPost!.response.ts) },
    ];
    for (const { channel, ts } of messages) {
      const done = await fake.waitForMessage(channel, ts, (m) => visibleText(m).includes('succeeded'), WAIT_MS);
      expect(buttons(done.blocks)).toEqual([]);
    }
    const readThrough = await cursor();

    // The old leader gets Slack's answer and finishes its batch: it is done once its tail has connected again (and follows).
    held.release();
    await until('the old leader to finish its batch and connect its tail again', async () => ((await tailSessions()) === 2 ? true : undefined), WAIT_MS);
    expect(await leaderSession()).toBe(newLeader);

    // One message per target, each the one its row records, each showing the outcome without buttons (soft: a failure shows every defect).
    expect.soft(taken(rationale, APPROVALS_CHANNEL)).toHaveLength(1);
    expect.soft(taken(rationale, alice.id)).toHaveLength(1);
    const rows = await h.db.prisma.slackMessage.findMany({ where: { actionId }, orderBy: { createdAt: 'asc' }, select: { channel: true, ts: true, owedSince: true } });
    expect.soft(rows).toEqual(messages.map((m) => ({ ...m, owedSince: null })));
    // Every message Slack took for the action (a second copy too, were there one) shows the outcome, no live buttons.
    for (const post of fake.calls('chat.postMessage').filter((c) => carries(rationale)(c.args) && c.response.ok === true)) {
      const message = fake.message(String(post.response.channel), String(post.response.ts))!;
      expect.soft(visibleText(message), `${message.channel}/${message.ts}`).toContain('succeeded');
      expect.soft(buttons(message.blocks), `${message.channel}/${message.ts}`).toEqual([]);
    }
    // The cursor only moved forward; each event is in the log once; nothing was given up.
    expect.soft(await cursor()).toBeGreaterThanOrEqual(readThrough);
    expect.soft(await auditRows(h.db, actionId, 'approval.decision')).toHaveLength(1);
    expect.soft(await auditRows(h.db, actionId, 'action.completed')).toHaveLength(1);
    expect.soft(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);
    const logged = oldLeaderLog.map((l) => l.msg);
    expect.soft(logged.some((msg) => msg.startsWith('audit tail connection lost'))).toBe(true);
    expect.soft(logged).toContain('audit tail: lost the lead while handling a batch; the next leader handles it');
  });
});
