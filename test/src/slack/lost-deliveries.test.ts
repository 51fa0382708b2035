import { randomBytes } from 'node:crypto';
import { defaultActivityDeps } from '@airlock/activities';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import type { CompiledPolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';
import { ACTION_APPROVE, type RunningSlackApp } from '@airlock/slack';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { FakeSlackApi } from './fake-slack-api.js';
import { buttonClick, send, signInteraction, type SlackClicker } from './interactions.js';
import { noticePolicy } from './notice-policy.js';
import { auditRows, carries, notifierReadPast, until } from './notifier-progress.js';
import { postedMessage, startTestSlackApp } from './slack-app.js';

// Deliveries the notifier could lose without a trace: a database failure before the message has a
// row (nothing to mark owed), and a give-up whose audit row cannot be written.

const BOT_TOKEN = 'xoxb-lost-deliveries';
const SIGNING_SECRET = randomBytes(16).toString('hex');
const alice: SlackClicker = { id: 'U_ALICE', name: 'alice' };
const defaultPolicy = loadPolicyFile(DEFAULT_POLICY_FILE);
let activePolicy: CompiledPolicy = defaultPolicy;
let h: Harness;
let fake: FakeSlackApi;
let slack: RunningSlackApp | undefined;
let eventsUrl = '';
const logLines: { level: number; msg: string }[] = [];
const logged = (prefix: string) => () => logLines.find((l) => l.msg.startsWith(prefix));

beforeAll(async () => {
  h = await startHarness({ deps: (db) => defaultActivityDeps(db, { current: () => activePolicy }) });
  await seedTeam(h.db);
  fake = await FakeSlackApi.start({ token: BOT_TOKEN, users: [{ id: alice.id, name: 'alice', email: 'alice@example.test' }] });
  // A give-up 1.5 s after the first failure: also how long a delivery nothing recorded holds the tail up.
  slack = await startTestSlackApp(h, fake, { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, logLines, pollIntervalMs: 300, deliveryGiveUpMs: 1_500 });
  eventsUrl = slack.url!;
});
afterEach(async () => {
  activePolicy = defaultPolicy;
  for (const m of ['chat.postMessage', 'chat.update']) fake.heal(m);
  await h.db.pool.query('DROP TRIGGER IF EXISTS lost_deliveries_fail_claim ON slack_messages');
  await h.db.pool.query('DROP TRIGGER IF EXISTS lost_deliveries_fail_gave_up ON audit_events');
});
afterAll(async () => {
  await slack?.stop();
  await fake?.close();
  await h?.close();
});

/**
 * Inserts into slack_messages (claims) matching `condition` (on NEW) fail: the first `times` of them
 * (a dropped connection, a failover), or all while the trigger stays. Returns how many were tried.
 */
async function failClaims(condition: string, times = Infinity): Promise<() => Promise<number>> {
  await h.db.pool.query('CREATE SEQUENCE IF NOT EXISTS lost_deliveries_claims');
  await h.db.pool.query('ALTER SEQUENCE lost_deliveries_claims RESTART WITH 1');
  const limit = Number.isFinite(times) ? String(times) : 'NULL';
  await h.db.pool.query(`CREATE OR REPLACE FUNCTION lost_deliveries_fail_claim() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE n bigint; BEGIN
      IF ${condition} THEN
        n := nextval('lost_deliveries_claims');
        IF ${limit}::bigint IS NULL OR n <= ${limit}::bigint THEN RAISE EXCEPTION 'lost-deliveries: connection lost'; END IF;
      END IF;
      RETURN NEW;
    END $$`);
  await h.db.pool.query('CREATE TRIGGER lost_deliveries_fail_claim BEFORE INSERT ON slack_messages FOR EACH ROW EXECUTE FUNCTION lost_deliveries_fail_claim()');
  return async () => {
    const { rows } = await h.db.pool.query<{ v: string; called: boolean }>('SELECT last_value::text AS v, is_called AS called FROM lost_deliveries_claims');
    return rows[0]!.called ? Number(rows[0]!.v) : 0;
  };
}

const posts = (rationale: string) => fake.calls('chat.postMessage').filter((c) => carries(rationale)(c.args) && c.response.ok === true);

/** The action's one message, posted once (reads again, catch-up and retry passes find it posted), its row settled, nothing given up. */
async function expectPostedOnce(actionId: string, rationale: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 1_500));
  expect(posts(rationale)).toHaveLength(1);
  expect(await h.db.prisma.slackMessage.findMany({ where: { actionId }, select: { ts: true, owedSince: true } })).toEqual([
    { ts: posts(rationale)[0]!.response.ts, owedSince: null },
  ]);
  expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);
}

describe('a database failure before the message has a row (its claim)', () => {
  it('an approval message is posted once the claim goes through, once', async () => {
    await failClaims('true', 1);
    const rationale = `Refund for order ${randomBytes(4).toString('hex')} (claim fails once).`;
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ rationale }));
    await until('the failure to be logged', logged(`could not update the messages of action ${actionId}`));
    await until('the approval message', () => (posts(rationale).length > 0 ? true : undefined), 10_000);
    await expectPostedOnce(actionId, rationale);
  });

  it('a notice is posted once the claim goes through, once', async () => {
    await failClaims('true', 1);
    activePolicy = noticePolicy;
    const rationale = `Refund for order ${randomBytes(4).toString('hex')} (notice claim fails once).`;
    const { actionId } = await submitAction(h.client, h.taskQueue, refundRequest({ amount: '20.00', rationale }));
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    await until('the failure to be logged', logged(`could not post the notice of action ${actionId}`));
    await until('the notice', () => (posts(rationale).length > 0 ? true : undefined), 10_000);
    await notifierReadPast(h.db, actionId);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(posts(rationale)).toHaveLength(1);
    expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);
  });

  it('one that keeps failing holds the later events up only for a while, then is given up (an error line)', async () => {
    const rationale = `Refund for order ${randomBytes(4).toString('hex')} (notice claim always fails).`;
    // This action's notice claim fails every time; the others' are claimed as usual.
    const claims = await failClaims(`EXISTS (SELECT 1 FROM actions WHERE id = NEW.action_id AND rationale = ${`'${rationale}'`})`);
    activePolicy = noticePolicy;
    const { actionId } = await submitAction(h.client, h.taskQueue, refundRequest({ amount: '20.00', rationale }));
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    await until('the give-up', logged(`gave up posting the Slack notice of action ${actionId}: it failed before anything could record it`), 20_000);
    // Read again (the tail's poll, 300 ms) until the give-up, 1.5 s after the first failure.
    expect(await claims()).toBeGreaterThan(2);
    // The tail reads on, the claim still failing: a later notice is posted.
    await notifierReadPast(h.db, actionId, 10_000);
    const next = `Refund for order ${randomBytes(4).toString('hex')} (after the stuck notice).`;
    const { actionId: nextId } = await submitAction(h.client, h.taskQueue, refundRequest({ amount: '20.00', rationale: next }));
    expect((await awaitOutcome(h.client, nextId)).status).toBe('executed');
    await until('the later notice', () => (posts(next).length > 0 ? true : undefined), 10_000);
    expect(posts(rationale)).toEqual([]);
  });

  it("an open round's message that keeps failing is given up once, and the tail reads past the round's opening", async () => {
    const rationale = `Refund for order ${randomBytes(4).toString('hex')} (approval claim always fails).`;
    // The round stays open, so a catch-up syncs it again too: neither its failure nor the re-read of its event starts the wait over.
    await failClaims(`EXISTS (SELECT 1 FROM actions WHERE id = NEW.action_id AND rationale = ${`'${rationale}'`})`);
    const catchUps = () => logLines.filter((l) => l.msg.startsWith('Slack catch-up: ') && l.msg.includes('open approval rounds synced')).length;
    await until('the start-up catch-up', () => (catchUps() > 0 ? true : undefined));
    const catchUpsBefore = catchUps();
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ rationale }));
    const opened = (await auditRows(h.db, actionId, 'approval.opened'))[0]!;
    await until('the give-up', logged(`gave up updating the Slack messages of action ${actionId}: it failed before anything could record it`), 20_000);
    await until(
      "the notifier to read past the round's opening",
      async () => ((await h.db.prisma.auditCursor.findUnique({ where: { consumer: 'slack' } }))!.seq >= opened.seq ? true : undefined),
      20_000,
    );
    // Read on while the claim still fails: a later round is posted.
    const next = `Refund for order ${randomBytes(4).toString('hex')} (after the stuck round).`;
    await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ rationale: next }));
    await until('the later round', () => (posts(next).length > 0 ? true : undefined), 10_000);
    expect(posts(rationale)).toEqual([]);
    expect(logLines.filter((l) => l.msg.startsWith(`gave up updating the Slack messages of action ${actionId}:`))).toHaveLength(1);
    // The batch was read again with the lead kept: no catch-up of every open round at each failure.
    expect(catchUps()).toBe(catchUpsBefore);
  });

  it('an open round whose catch-up sync fails is synced again by the retry pass, not held up until the next start', async () => {
    await slack!.stop();
    slack = undefined;
    // Opened while no app runs, behind the cursor a new consumer starts with (the log's end): only the catch-up posts it.
    const rationale = `Refund for order ${randomBytes(4).toString('hex')} (catch-up claim fails once).`;
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ rationale }));
    await h.db.pool.query("DELETE FROM audit_cursors WHERE consumer = 'slack'");
    await failClaims(`EXISTS (SELECT 1 FROM actions WHERE id = NEW.action_id AND rationale = ${`'${rationale}'`})`, 1);
    slack = await startTestSlackApp(h, fake, { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, logLines, pollIntervalMs: 300, deliveryGiveUpMs: 1_500 });
    eventsUrl = slack.url!;
    await until('the catch-up failure', logged(`Slack catch-up: the messages of action ${actionId} are tried again`));
    await until('the approval message', () => (posts(rationale).length > 0 ? true : undefined), 10_000);
    await expectPostedOnce(actionId, rationale);
  });
});

describe('a give-up whose audit row cannot be written', () => {
  /** Makes every slack.delivery_failed audit insert fail until the returned function drops the trigger. */
  async function failGiveUpAudits(): Promise<() => Promise<void>> {
    await h.db.pool.query(`CREATE OR REPLACE FUNCTION lost_deliveries_fail_gave_up() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW.type = 'slack.delivery_failed' THEN RAISE EXCEPTION 'lost-deliveries: audit append failed'; END IF; RETURN NEW; END $$`);
    await h.db.pool.query('CREATE TRIGGER lost_deliveries_fail_gave_up BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION lost_deliveries_fail_gave_up()');
    return async () => {
      await h.db.pool.query('DROP TRIGGER IF EXISTS lost_deliveries_fail_gave_up ON audit_events');
    };
  }

  it('leaves the message owed, and is audited once (and cleared) once the database takes it', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId);
    fake.failNext('chat.update', { status: 500 }, { times: Infinity, when: (args) => args.ts === message.ts });
    const allowGiveUpAudits = await failGiveUpAudits();
    const row = () => h.db.prisma.slackMessage.findFirstOrThrow({ where: { actionId, ts: message.ts } });
    expect((await send(eventsUrl, signInteraction(buttonClick(message, ACTION_APPROVE, alice), { secret: SIGNING_SECRET }))).status).toBe(200);
    await notifierReadPast(h.db, actionId);
    await until('the audit failure to be logged', logged(`could not audit the failed Slack delivery for action ${actionId}`));
    // The give-up did not commit: still owed, nothing audited.
    expect((await row()).owedSince).not.toBeNull();
    expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);
    await allowGiveUpAudits();
    await until('a slack.delivery_failed row', async () => ((await auditRows(h.db, actionId, 'slack.delivery_failed')).length > 0 ? true : undefined));
    await until('the message to be owed no more', async () => ((await row()).owedSince === null ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 1_500));
    const gaveUp = await auditRows(h.db, actionId, 'slack.delivery_failed');
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]!.payload).toMatchObject({ message: 'approval', call: 'chat.update', ts: message.ts, permanent: false });
    expect(await row()).toMatchObject({ owedSince: null, retryAt: null });
    expect(fake.message(message.channel, message.ts)!.versions).toHaveLength(1);
  });

  it('one Slack refused for good stays owed too, and is audited once the database takes it', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId);
    fake.failNext('chat.update', { error: 'msg_too_long' }, { times: Infinity, when: (args) => args.ts === message.ts });
    const allowGiveUpAudits = await failGiveUpAudits();
    const row = () => h.db.prisma.slackMessage.findFirstOrThrow({ where: { actionId, ts: message.ts } });
    expect((await send(eventsUrl, signInteraction(buttonClick(message, ACTION_APPROVE, alice), { secret: SIGNING_SECRET }))).status).toBe(200);
    await notifierReadPast(h.db, actionId);
    await until('the audit failure to be logged', logged(`could not audit the failed Slack delivery for action ${actionId}`));
    expect((await row()).owedSince).not.toBeNull();
    await allowGiveUpAudits();
    await until('a slack.delivery_failed row', async () => ((await auditRows(h.db, actionId, 'slack.delivery_failed')).length > 0 ? true : undefined));
    await until('the message to be owed no more', async () => ((await row()).owedSince === null ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 1_500));
    const gaveUp = await auditRows(h.db, actionId, 'slack.delivery_failed');
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]!.payload).toMatchObject({ message: 'approval', call: 'chat.update', error: 'msg_too_long', permanent: true });
  });
});
