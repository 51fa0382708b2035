import { randomBytes } from 'node:crypto';
import { awaitOutcome, decideAction } from '@airlock/core/gateway';
import { ACTION_APPROVE } from '@airlock/slack';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi, PostedMessage } from './fake-slack-api.js';
import { buttonClick, buttons, send, signInteraction, visibleText, type SlackClicker } from './interactions.js';
import { auditRows, carries, until } from './notifier-progress.js';
import { RestartableSlackApp } from './restartable-app.js';
import type { SlackAppProcess } from './slack-app.js';
import { closeSlackTestBed, startSlackTestBed } from './test-bed.js';

// The Slack app SIGKILLed at the two writes of a delivery that crash-restart.test.ts does not stop it at:
// - the claim's insert (slack_messages), held on an advisory lock the test holds, so the kill lands
//   before the claim commits: nothing of the delivery is in the database but the audit event, and the
//   next process must post it once from the log (its cursor was not moved past it);
// - Slack's answer to chat.postMessage, held by the fake after it took the post: the claim is written, its
//   timestamp never is; the action is decided while no process runs, and the next process must find the
//   message in the channel's history, adopt it and edit it, never post it again.
// Each wait polls the database or the fake; the app runs in a process of its own (slack-app-process.ts).

const BOT_TOKEN = 'xoxb-airlock-crash-reread-token';
const SIGNING_SECRET = randomBytes(16).toString('hex');
const alice: SlackClicker = { id: 'U_ALICE', name: 'alice' };
/** Nothing is given up within a test: the processes retry for an hour. */
const HOUR = 60 * 60_000;
const POLL_MS = 300;
/** How long a wait on the app's process may take before the test fails showing its output. */
const WAIT_MS = 60_000;
/** An upper bound, not a speed check: each test starts the app's process twice, and tsx compiles it at each start. */
const PROCESS_TEST_TIMEOUT_MS = 600_000;
/** The advisory lock a claim's insert waits on while the test holds it. */
const CLAIM_LOCK = 4244;

let h: Harness;
let fake: FakeSlackApi;
const app = new RestartableSlackApp();
/** The test's own connection, holding CLAIM_LOCK while claims are paused. */
let holder: pg.PoolClient | undefined;

beforeAll(async () => {
  ({ h, fake } = await startSlackTestBed({ botToken: BOT_TOKEN, users: [{ id: alice.id, name: 'alice', email: 'alice@example.test' }] }));
});

afterEach(async () => {
  fake.heal('conversations.history');
  await app.stop();
  await resumeClaims();
});

afterAll(async () => {
  await app.stop();
  await closeSlackTestBed({ fake, h });
});

async function startApp(): Promise<SlackAppProcess> {
  return app.start(h, fake, { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, pollIntervalMs: POLL_MS, deliveryGiveUpMs: HOUR });
}

/** From here on every insert into slack_messages (a message's claim) waits, inside its statement, until resumeClaims. */
async function pauseClaims(): Promise<void> {
  await h.db.pool.query(`CREATE OR REPLACE FUNCTION crash_reread_pause_claim() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN PERFORM pg_advisory_xact_lock_shared(${CLAIM_LOCK}); RETURN NEW; END $$`);
  await h.db.pool.query('CREATE TRIGGER crash_reread_pause_claim BEFORE INSERT ON slack_messages FOR EACH ROW EXECUTE FUNCTION crash_reread_pause_claim()');
  holder = await h.db.pool.connect();
  await holder.query(`SELECT pg_advisory_lock(${CLAIM_LOCK})`);
}

/** The lock first: dropping the trigger waits for the inserts paused on it. */
async function resumeClaims(): Promise<void> {
  if (holder) {
    await holder.query(`SELECT pg_advisory_unlock(${CLAIM_LOCK})`);
    holder.release();
    holder = undefined;
  }
  await h.db.pool.query('DROP TRIGGER IF EXISTS crash_reread_pause_claim ON slack_messages');
}

/** The server processes whose claim's insert waits for CLAIM_LOCK. */
const pausedClaims = async (): Promise<number[]> =>
  (
    await h.db.pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory' AND query ILIKE '%insert into%slack_messages%'`,
    )
  ).rows.map((r) => r.pid);

const alive = async (pids: number[]): Promise<number[]> =>
  (await h.db.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids])).rows.map((r) => r.pid);

/** The Slack notifier's cursor in the audit log. */
const cursor = async (): Promise<bigint | number> => (await h.db.prisma.auditCursor.findUnique({ where: { consumer: 'slack' } }))?.seq ?? 0;

/** The posts of messages carrying `rationale` that Slack (the fake) took: each is a message in the channel. */
const taken = (rationale: string) => fake.calls('chat.postMessage').filter((c) => carries(rationale)(c.args) && c.response.ok === true);

async function approve(message: PostedMessage, actionId: string): Promise<void> {
  const answer = await send(app.running.url, signInteraction(buttonClick(message, ACTION_APPROVE, alice), { secret: SIGNING_SECRET }));
  expect(answer.status).toBe(200);
  expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
}

describe('a Slack app process killed while its claim of a message waits to commit', () => {
  for (const [name, ending] of [
    ['its database connection dies with it: the claim never commits', 'terminated'],
    ['its database session outlives it: the insert goes on alone once the lock is free', 'released'],
  ] as const) {
    it(
      `${name}; the next process posts the message once, from the audit log, and reads past it`,
      async () => {
        await startApp();
        await pauseClaims();
        const rationale = `Refund for order ${randomBytes(4).toString('hex')} (killed mid-claim, ${ending}).`;
        const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ rationale }));
        const events = await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' }, select: { seq: true } });
        const lastSeq = events.at(-1)!.seq;
        const paused = await until(
          'the claim to wait for the lock',
          async () => {
            const pids = await pausedClaims();
            return pids.length > 0 ? pids : undefined;
          },
          WAIT_MS,
          app.output,
        );

        await app.kill();
        // Nothing of the delivery left the database: no row, no post, and the cursor is short of the action's events.
        expect(await h.db.prisma.slackMessage.findMany({ where: { actionId } })).toEqual([]);
        expect(taken(rationale)).toEqual([]);
        expect(Number(await cursor())).toBeLessThan(Number(lastSeq));
        if (ending === 'terminated') await h.db.pool.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [paused]);
        await resumeClaims();
        await until("the dead process's paused sessions to end", async () => ((await alive(paused)).length === 0 ? true : undefined), WAIT_MS);
        const orphaned = await h.db.prisma.slackMessage.findMany({ where: { actionId }, select: { ts: true } });
        // Terminated, the claim never commits; left alone, the dead process's statement (and its implicit commit, already sent) completes.
        expect(orphaned).toEqual(ending === 'terminated' ? [] : [{ ts: null }]);

        await startApp();
        await until("the notifier to read past the action's events", async () => (Number(await cursor()) >= Number(lastSeq) ? true : undefined), WAIT_MS, app.output);
        const row = await until(
          'the message to be recorded',
          () => h.db.prisma.slackMessage.findFirst({ where: { actionId, ts: { not: null } }, select: { channel: true, ts: true, owedSince: true } }).then((r) => r ?? undefined),
          WAIT_MS,
          app.output,
        );
        expect(taken(rationale)).toHaveLength(1);
        const [post] = taken(rationale);
        expect(row).toEqual({ channel: post!.response.channel, ts: post!.response.ts, owedSince: null });
        expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);

        // The one message is Airlock's: its button counts, and it shows the outcome.
        const message = fake.message(String(post!.response.channel), String(post!.response.ts))!;
        await approve(message, actionId);
        const done = await fake.waitForMessage(message.channel, message.ts, (m) => visibleText(m).includes('succeeded'), WAIT_MS);
        expect(buttons(done.blocks)).toEqual([]);
        expect(taken(rationale)).toHaveLength(1);
        expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);
      },
      PROCESS_TEST_TIMEOUT_MS,
    );
  }
});

describe('a Slack app process killed while Slack holds its answer to the post', () => {
  it(
    'decided while no process runs: the next one finds the post in the history, adopts it and edits it to the outcome, never posting again',
    async () => {
      await startApp();
      const rationale = `Refund for order ${randomBytes(4).toString('hex')} (killed awaiting the post's answer).`;
      // Slack takes the post; its answer never reaches the process.
      const held = fake.holdNextAnswer('chat.postMessage', carries(rationale));
      const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ rationale }));
      const accepted = await fake.waitForCall('chat.postMessage', (c) => carries(rationale)(c.args) && c.response.ok === true, WAIT_MS);
      await app.kill();
      held.release();
      expect(await h.db.prisma.slackMessage.findMany({ where: { actionId }, select: { ts: true } })).toEqual([{ ts: null }]);

      // Decided elsewhere (the API) while no Slack app runs: the message still shows the open round's buttons.
      await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
      expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
      const channel = String(accepted.response.channel);
      const ts = String(accepted.response.ts);
      expect(buttons(fake.message(channel, ts)!.blocks)).not.toEqual([]);
      const postsBefore = fake.calls('chat.postMessage').filter((c) => carries(rationale)(c.args)).length;

      await startApp();
      const done = await fake.waitForMessage(channel, ts, (m) => visibleText(m).includes('succeeded'), WAIT_MS);
      expect(buttons(done.blocks)).toEqual([]);
      const row = await until(
        'the adopted message to be recorded, owing nothing',
        () => h.db.prisma.slackMessage.findFirst({ where: { actionId, ts: { not: null }, owedSince: null }, select: { channel: true, ts: true } }).then((r) => r ?? undefined),
        WAIT_MS,
        app.output,
      );
      expect(row).toEqual({ channel, ts });
      expect(await h.db.prisma.slackMessage.count({ where: { actionId } })).toBe(1);
      // Not posted again, not even tried: one message in the channel.
      expect(fake.calls('chat.postMessage').filter((c) => carries(rationale)(c.args))).toHaveLength(postsBefore);
      expect(taken(rationale)).toHaveLength(1);
      expect(app.running.output()).toContain(
        `the Slack approval message of action ${actionId} in ${channel} was posted before its timestamp was recorded: adopting ${channel}/${ts}`,
      );
      expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});
