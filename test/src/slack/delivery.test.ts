import { randomBytes } from 'node:crypto';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { appendAudit, createUser } from '@airlock/db';
import { decide, userOperator } from '@airlock/ops';
import type { CompiledPolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';
import { ACTION_APPROVE, type RunningSlackApp } from '@airlock/slack';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi, FakeFailure, PostedMessage, RecordedCall } from './fake-slack-api.js';
import { buttonClick, buttons, send, signInteraction, visibleText, type SlackClicker } from './interactions.js';
import { noticePolicy } from './notice-policy.js';
import { auditRows, carries, notifierReadPast, until } from './notifier-progress.js';
import { postedMessage, startTestSlackApp } from './slack-app.js';
import { closeSlackTestBed, startSlackTestBed } from './test-bed.js';

// What the Slack app does when Slack does not take a message: a notice (allow_and_notify) is
// retried like an approval message's update; what Slack refuses for good, or what retries never
// get through, is audited as slack.delivery_failed; a restart catches up a decided round whose
// last update failed. Real Bolt receiver, Temporal and PostgreSQL, fake Web API on loopback.

const BOT_TOKEN = 'xoxb-airlock-delivery-token';
const SIGNING_SECRET = randomBytes(16).toString('hex');
const alice: SlackClicker = { id: 'U_ALICE', name: 'alice' };
const dana: SlackClicker = { id: 'U_DANA', name: 'dana' };
const erin: SlackClicker = { id: 'U_ERIN', name: 'erin' };

const defaultPolicy = loadPolicyFile(DEFAULT_POLICY_FILE);
let activePolicy: CompiledPolicy = defaultPolicy;

let h: Harness;
let fake: FakeSlackApi;
let slack: RunningSlackApp | undefined;
const logLines: { level: number; msg: string }[] = [];

beforeAll(async () => {
  ({ h, fake } = await startSlackTestBed({ botToken: BOT_TOKEN, users: [{ id: alice.id, name: 'alice', email: 'alice@example.test' }], policy: () => activePolicy }));
});

afterEach(async () => {
  activePolicy = defaultPolicy;
  for (const method of ['chat.postMessage', 'chat.update']) fake.heal(method);
  await slack?.stop();
  slack = undefined;
});

afterAll(() => closeSlackTestBed({ app: slack, fake, h }));

/** One app at a time: only one process reads the audit log (the tail's lock), so a second would never post. */
async function startApp(options: { deliveryGiveUpMs?: number; env?: Record<string, string> } = {}): Promise<RunningSlackApp> {
  const started = await startTestSlackApp(h, fake, {
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    logLines,
    // Retries wait one poll at first.
    pollIntervalMs: 300,
    ...options,
  });
  slack = started;
  return started;
}

const logged = (text: string) => until(`a log line with "${text}"`, () => logLines.find((l) => l.msg.includes(text)));

const deliveryFailures = (actionId: string) =>
  until(`a slack.delivery_failed row for ${actionId}`, async () =>
    (await auditRows(h.db, actionId, 'slack.delivery_failed')).length > 0 ? auditRows(h.db, actionId, 'slack.delivery_failed') : undefined,
  );

/**
 * The next update of a slack_messages row that `condition` (PL/pgSQL over OLD and NEW) matches fails
 * (a dropped connection: 'test: <name> lost'), once; returns what removes the fault. A trigger, as the
 * notifier cannot be reached from here.
 */
async function failNextRowUpdate(name: string, condition: string): Promise<() => Promise<void>> {
  await h.db.pool.query(`CREATE SEQUENCE IF NOT EXISTS test_${name}_failures`);
  await h.db.pool.query(`ALTER SEQUENCE test_${name}_failures RESTART WITH 1`);
  await h.db.pool.query(`CREATE OR REPLACE FUNCTION test_fail_${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF ${condition} AND nextval('test_${name}_failures') = 1 THEN RAISE EXCEPTION 'test: ${name} lost'; END IF;
    RETURN NEW; END $$`);
  await h.db.pool.query(`CREATE TRIGGER test_fail_${name} BEFORE UPDATE ON slack_messages FOR EACH ROW EXECUTE FUNCTION test_fail_${name}()`);
  return async () => {
    await h.db.pool.query(`DROP TRIGGER IF EXISTS test_fail_${name} ON slack_messages`);
  };
}

/** The notice calls carrying this rationale (each test's notice says its own). */
const noticeCalls = (rationale: string) => fake.calls('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(rationale));

async function noticed(rationale: string): Promise<{ actionId: string }> {
  activePolicy = noticePolicy;
  const { actionId } = await submitAction(h.client, h.taskQueue, refundRequest({ amount: '20.00', rationale }));
  expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
  return { actionId };
}

const approve = (message: PostedMessage, actionId: string) =>
  send(slack!.url!, signInteraction(buttonClick(message, ACTION_APPROVE, alice), { secret: SIGNING_SECRET })).then(async (r) => {
    expect(r.status).toBe(200);
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
  });

describe('an allow_and_notify notice Slack did not take', () => {
  for (const [name, failure] of [
    ["HTTP 500 through the client's own retries", { status: 500 }],
    ['a rate limit (429, Retry-After: 1)', { status: 429, retryAfterSeconds: 1 }],
  ] as [string, FakeFailure][]) {
    it(`${name}: the notice is posted once Slack answers, and nothing is audited as given up`, async () => {
      await startApp();
      const rationale = `Refund for order ${randomBytes(4).toString('hex')} (${name}).`;
      fake.failNext('chat.postMessage', failure, { times: Infinity, when: carries(rationale) });
      const { actionId } = await noticed(rationale);
      await logged(`could not post the notice of action ${actionId}`);
      // The failure is on the notice's row, for the retries: owed, unposted, with Slack's error.
      // (The warning is logged before the row is marked: wait for the mark.)
      const owed = await until('the notice to be marked owed', () =>
        h.db.prisma.slackMessage
          .findFirst({ where: { actionId, round: 0, owedSince: { not: null } }, select: { ts: true, owedSince: true, lastError: true, retryAt: true } })
          .then((r) => r ?? undefined),
      );
      expect(owed).toMatchObject({ ts: null, lastError: 'status' in failure && failure.status === 429 ? 'ratelimited' : 'http_500' });
      expect(owed.owedSince).toBeInstanceOf(Date);
      expect(owed.retryAt).toBeInstanceOf(Date);
      fake.heal('chat.postMessage');

      const ok: RecordedCall = await fake.waitForCall('chat.postMessage', (c) => carries(rationale)(c.args) && c.response.ok === true);
      expect(visibleText(fake.message(String(ok.response.channel), String(ok.response.ts))!)).toContain('Allowed with notice: `payments.refund`');
      expect(noticeCalls(rationale).filter((c) => c.response.ok === true)).toHaveLength(1);
      expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);
    });
  }

  it('a permanent error (channel_not_found) is not retried, and is audited with what was sent and why', async () => {
    await startApp();
    const rationale = `Refund for order ${randomBytes(4).toString('hex')} (channel_not_found).`;
    fake.failNext('chat.postMessage', { error: 'channel_not_found' }, { times: Infinity, when: carries(rationale) });
    const { actionId } = await noticed(rationale);

    const [row, ...more] = await deliveryFailures(actionId);
    expect(more).toEqual([]);
    expect(row).toMatchObject({ actor: 'system:slack', actionId });
    expect(row!.payload).toEqual({
      message: 'notice',
      round: 0,
      target: 'C_APPROVALS',
      channel: null,
      ts: null,
      call: 'chat.postMessage',
      error: 'channel_not_found',
      permanent: true,
      attempts: 1,
      roundClosed: false,
    });
    // Another notice goes through meanwhile (several passes of the notifier, each a chance to retry): the refused one was sent once.
    const other = `Refund for order ${randomBytes(4).toString('hex')} (the next one).`;
    const { actionId: next } = await noticed(other);
    await fake.waitForCall('chat.postMessage', (c) => carries(other)(c.args) && c.response.ok === true);
    await notifierReadPast(h.db, next);
    expect(noticeCalls(rationale)).toHaveLength(1);
  });
});

describe('an approval message Slack did not take', () => {
  it("a permanent error on the decision's update is audited at once (channel, timestamp, Slack's error); the next event updates it again", async () => {
    await startApp();
    // Two approvers (the default policy's refunds over 1000.00): the second decision is an event after the failed update.
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '1500.00' }));
    const message = await postedMessage(fake, actionId);
    fake.failNext('chat.update', { error: 'cant_update_message' }, { times: 1, when: (args) => args.ts === message.ts });
    const clicked = await send(slack!.url!, signInteraction(buttonClick(message, ACTION_APPROVE, alice), { secret: SIGNING_SECRET }));
    expect(clicked.status).toBe(200);

    const [row] = await deliveryFailures(actionId);
    expect(row!.payload).toEqual({
      message: 'approval',
      round: 1,
      target: 'C_APPROVALS',
      channel: message.channel,
      ts: message.ts,
      call: 'chat.update',
      error: 'cant_update_message',
      permanent: true,
      attempts: 1,
      roundClosed: false,
    });
    await decide({ db: h.db, temporal: h.client }, userOperator({ id: 'bob', role: 'admin' }, 'api'), { actionId, decision: 'approve', argsHash });
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    const done = await fake.waitForMessage(message.channel, message.ts, (m) => visibleText(m).includes('succeeded'));
    expect(buttons(done.blocks)).toEqual([]);
  });

  it('a passing error (HTTP 500) that outlasts the retries is audited when the notifier gives up', async () => {
    await startApp({ deliveryGiveUpMs: 1_500 });
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId);
    fake.failNext('chat.update', { status: 500 }, { times: Infinity, when: (args) => args.ts === message.ts });
    await approve(message, actionId);

    const [row] = await deliveryFailures(actionId);
    expect(row!.payload).toMatchObject({
      message: 'approval',
      round: 1,
      channel: message.channel,
      ts: message.ts,
      call: 'chat.update',
      error: 'http_500',
      permanent: false,
      roundClosed: false,
    });
    expect((row!.payload as { attempts: number }).attempts).toBeGreaterThan(1);
    // Logged after the audit row commits: it may come a moment after the row is read.
    await logged(`gave up updating the Slack messages of action ${actionId} after`);
  });

  it('a post still failing when its round is decided elsewhere is not posted late, and is audited as given up, once', async () => {
    await startApp();
    const rationale = `Refund for order ${randomBytes(4).toString('hex')} (post failing).`;
    fake.failNext('chat.postMessage', { status: 500 }, { times: Infinity, when: carries(rationale) });
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ rationale }));
    await fake.waitForCall('chat.postMessage', (c) => carries(rationale)(c.args) && c.response.httpStatus === 500);
    await decide({ db: h.db, temporal: h.client }, userOperator({ id: 'bob', role: 'admin' }, 'api'), { actionId, decision: 'approve', argsHash });
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');

    const [row, ...more] = await deliveryFailures(actionId);
    expect(more).toEqual([]);
    expect(row!.payload).toMatchObject({
      message: 'approval',
      round: 1,
      target: 'C_APPROVALS',
      channel: null,
      ts: null,
      call: 'chat.postMessage',
      error: 'http_500',
      permanent: false,
      roundClosed: true,
    });
    fake.heal('chat.postMessage');
    await notifierReadPast(h.db, actionId);
    // Another action's message goes through meanwhile (passes of the retry loop): the decided round's is not posted late.
    const { actionId: next } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    await postedMessage(fake, next);
    expect(fake.calls('chat.postMessage').filter((c) => carries(rationale)(c.args) && c.response.ok === true)).toEqual([]);
    expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toHaveLength(1);
  });
});

describe('a rate limit', () => {
  it("holds back only the message it answered: another action's approval is posted during a long Retry-After", async () => {
    await startApp();
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId);
    fake.failNext('chat.update', { status: 429, retryAfterSeconds: 120 }, { times: Infinity, when: (args) => args.ts === message.ts });
    await approve(message, actionId);
    await fake.waitForCall('chat.update', (c) => c.args.ts === message.ts && c.response.httpStatus === 429);

    // Well inside the two minutes Slack asked for: nothing here waits for them.
    const { actionId: next } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const call = await fake.waitForCall('chat.postMessage', (c) => JSON.stringify(c.args.blocks).includes(next) && c.response.ok === true, 30_000);
    expect(call.args.channel).toBe('C_APPROVALS');
  });
});

describe('a restart', () => {
  it('updates a decided round whose last update failed before the restart, and posts a notice whose post failed', async () => {
    await startApp();
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const message = await postedMessage(fake, actionId);
    fake.failNext('chat.update', { status: 500 }, { times: Infinity, when: (args) => args.ts === message.ts });
    await approve(message, actionId);
    await notifierReadPast(h.db, actionId);
    const rationale = `Refund for order ${randomBytes(4).toString('hex')} (before a restart).`;
    fake.failNext('chat.postMessage', { status: 500 }, { times: Infinity, when: carries(rationale) });
    const { actionId: notified } = await noticed(rationale);
    await logged(`could not post the notice of action ${notified}`);
    // Still showing the buttons of the open round.
    expect(fake.message(message.channel, message.ts)!.versions).toHaveLength(1);
    expect(buttons(fake.message(message.channel, message.ts)!.blocks)).not.toEqual([]);

    await slack!.stop();
    slack = undefined;
    fake.heal('chat.update');
    fake.heal('chat.postMessage');
    await startApp();

    const done = await fake.waitForMessage(message.channel, message.ts, (m) => visibleText(m).includes('succeeded'));
    expect(buttons(done.blocks)).toEqual([]);
    expect(visibleText(done)).toContain('Approved by alice');
    await fake.waitForCall('chat.postMessage', (c) => carries(rationale)(c.args) && c.response.ok === true);
    expect(noticeCalls(rationale).filter((c) => c.response.ok === true)).toHaveLength(1);
  });
});

describe('a post Slack took whose timestamp could not be written', () => {
  /** The notifier's next write of a message's timestamp fails (a dropped connection), after Slack took the post; once. */
  const failNextTimestampWrite = () => failNextRowUpdate('ts_write', 'NEW.ts IS NOT NULL AND OLD.ts IS NULL');

  const recordedTs = (actionId: string) =>
    until(
      `the message of ${actionId} to have its timestamp recorded`,
      async () => (await h.db.prisma.slackMessage.findFirst({ where: { actionId, ts: { not: null } } }))?.ts ?? undefined,
    );

  it('an approval message is not posted again: only the write is retried, and a click on it counts and updates it', async () => {
    await startApp();
    const restore = await failNextTimestampWrite();
    try {
      const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
      const message = await postedMessage(fake, actionId);
      expect(await recordedTs(actionId)).toBe(message.ts);
      expect(fake.calls('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(actionId) && c.response.ok === true)).toHaveLength(1);
      await approve(message, actionId);
      const done = await fake.waitForMessage(message.channel, message.ts, (m) => visibleText(m).includes('succeeded'));
      expect(buttons(done.blocks)).toEqual([]);
      expect(fake.calls('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(actionId) && c.response.ok === true)).toHaveLength(1);
    } finally {
      await restore();
    }
  });

  it('a notice is not posted again', async () => {
    await startApp();
    const restore = await failNextTimestampWrite();
    try {
      const rationale = `Refund for order ${randomBytes(4).toString('hex')} (timestamp write fails).`;
      const { actionId } = await noticed(rationale);
      const ok = await fake.waitForCall('chat.postMessage', (c) => carries(rationale)(c.args) && c.response.ok === true);
      expect(await recordedTs(actionId)).toBe(ok.response.ts);
      expect(noticeCalls(rationale).filter((c) => c.response.ok === true)).toHaveLength(1);
      expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);
    } finally {
      await restore();
    }
  });
});

describe('a direct message whose users.lookupByEmail Slack rate-limits', () => {
  it("does not hold back the round's channel message: the lookup fails at once and is logged, not slept through", async () => {
    await startApp({ env: { AIRLOCK_SLACK_DM_ASSIGNEES: 'true' } });
    // Long enough that a client sleeping through it would miss postedMessage's wait.
    fake.failNext('users.lookupByEmail', { status: 429, retryAfterSeconds: 120 }, { times: Infinity });
    try {
      const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
      await postedMessage(fake, actionId);
      await logged(`to DM them about action ${actionId}: ratelimited`);
      expect(fake.calls('chat.postMessage').filter((c) => c.args.channel === alice.id && JSON.stringify(c.args.blocks).includes(actionId))).toEqual([]);
    } finally {
      fake.heal('users.lookupByEmail');
    }
  });
});

describe('a direct message whose users.lookupByEmail Slack failed passingly', () => {
  // The DM is owed on a row of its own (target airlock-user:<id>) until a lookup names the account: retried and given up like a failed post.
  it('a lookup that failed once is asked again without another event of the action, and the DM arrives, once', async () => {
    // A new approver: eligible only in rounds opened from now on, so no earlier round synced at the start looks her up first (and caches her account).
    await createUser(h.db, { id: 'dana', role: 'approver' });
    fake.addUser({ id: dana.id, name: 'dana', email: 'dana@example.test' });
    const linesBefore = logLines.length;
    await startApp({ env: { AIRLOCK_SLACK_DM_ASSIGNEES: 'true' } });
    // The start's sync of open rounds done, it cannot sync this action's (a second attempt, asking for her again).
    await until('the catch-up', () => logLines.slice(linesBefore).find((l) => l.msg.startsWith('Slack catch-up: ')));
    const lookups = () => fake.calls('users.lookupByEmail').filter((c) => c.args.email === 'dana@example.test');
    fake.failNext('users.lookupByEmail', { status: 429, retryAfterSeconds: 1 }, { times: 1, when: (args) => args.email === 'dana@example.test' });
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    await postedMessage(fake, actionId);
    await logged(`could not look up the Slack account of dana to DM them about action ${actionId}: ratelimited`);

    // Nobody decides: no event of the action follows the round's opening, so only a retry of the lookup can post the DM.
    const dm = await postedMessage(fake, actionId, dana.id);
    expect(buttons(dm.blocks)).not.toEqual([]);
    expect(lookups().map((c) => c.response.httpStatus ?? 200)).toEqual([429, 200]);
    const rows = await until('every message of the action recorded, none owed', async () => {
      const found = await h.db.prisma.slackMessage.findMany({ where: { actionId }, select: { target: true, ts: true, owedSince: true }, orderBy: { target: 'asc' } });
      return found.every((r) => r.ts !== null && r.owedSince === null) ? found : undefined;
    });
    expect(rows.map((r) => r.target)).toEqual(['C_APPROVALS', alice.id, dana.id]);
    expect(fake.calls('chat.postMessage').filter((c) => c.args.channel === dana.id && JSON.stringify(c.args.blocks).includes(actionId))).toHaveLength(1);
    expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);
  });

  it('a lookup Slack keeps failing is given up like a failed post: audited once, naming the person and the lookup', async () => {
    await createUser(h.db, { id: 'erin', role: 'approver' });
    fake.addUser({ id: erin.id, name: 'erin', email: 'erin@example.test' });
    await startApp({ deliveryGiveUpMs: 1_500, env: { AIRLOCK_SLACK_DM_ASSIGNEES: 'true' } });
    fake.failNext('users.lookupByEmail', { status: 500 }, { times: Infinity, when: (args) => args.email === 'erin@example.test' });
    try {
      const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
      const [row, ...more] = await deliveryFailures(actionId);
      expect(more).toEqual([]);
      expect(row!.payload).toMatchObject({
        message: 'direct',
        round: 1,
        target: 'airlock-user:erin',
        channel: null,
        ts: null,
        call: 'chat.postMessage',
        error: 'users.lookupByEmail: http_500',
        permanent: false,
        roundClosed: false,
      });
      expect((row!.payload as { attempts: number }).attempts).toBeGreaterThan(1);
      await until('the DM to be owed no more', async () => {
        const owed = await h.db.prisma.slackMessage.findFirstOrThrow({ where: { actionId, target: 'airlock-user:erin' }, select: { owedSince: true } });
        return owed.owedSince === null ? true : undefined;
      });
      expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toHaveLength(1);
      expect(fake.calls('chat.postMessage').filter((c) => c.args.channel === erin.id)).toEqual([]);
    } finally {
      fake.heal('users.lookupByEmail');
    }
  });
});

describe('a failed post whose owed mark the database fails too', () => {
  // Between Slack's failure and its record on the row, the database fails: the delivery fails, and
  // the audit tail reads its events again (nothing else would: no event of the action follows).
  const failNextOwedMark = () => failNextRowUpdate('owed_mark', 'NEW.failed_attempts > OLD.failed_attempts');

  const okPosts = (rationale: string) => fake.calls('chat.postMessage').filter((c) => carries(rationale)(c.args) && c.response.ok === true);

  for (const kind of ['notice', 'approval'] as const) {
    it(`${kind === 'notice' ? 'a notice' : "an approval round's message"} is posted later, once, and nothing is audited as given up`, async () => {
      await startApp();
      const restore = await failNextOwedMark();
      try {
        const rationale = `Refund for order ${randomBytes(4).toString('hex')} (owed mark fails, ${kind}).`;
        fake.failNext('chat.postMessage', { error: 'internal_error' }, { times: 1, when: carries(rationale) });
        const { actionId } = kind === 'notice' ? await noticed(rationale) : await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ rationale }));
        await fake.waitForCall('chat.postMessage', (c) => carries(rationale)(c.args) && c.response.error === 'internal_error');
        await logged('audit tail: test: owed_mark lost');

        const ok = await fake.waitForCall('chat.postMessage', (c) => carries(rationale)(c.args) && c.response.ok === true);
        const row = await until('the message to be recorded', () =>
          h.db.prisma.slackMessage.findFirst({ where: { actionId, ts: { not: null } }, select: { ts: true, owedSince: true } }).then((r) => r ?? undefined),
        );
        expect(row).toEqual({ ts: ok.response.ts, owedSince: null });
        expect(okPosts(rationale)).toHaveLength(1);
        expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);
      } finally {
        await restore();
      }
    });
  }
});

describe('a backlog of audit events that crosses a power of ten', () => {
  /** Appends `count` events that no Slack message follows (no action), in one transaction. */
  const filler = async (count: number) => {
    const tag = randomBytes(4).toString('hex');
    await appendAudit(
      h.db,
      ...Array.from({ length: count }, (_, i) => ({
        eventKey: `test-filler:${tag}:${i}`,
        type: 'tool.succeeded' as const,
        actor: 'system:test',
        payload: { tool: 'test.filler' },
      })),
    );
  };
  const head = async () => Number((await h.db.pool.query<{ seq: string }>('SELECT max(seq)::text AS seq FROM audit_events')).rows[0]!.seq);

  it('is read in seq order: a notice asked for just below the power, with a full batch of events above it, is posted', async () => {
    // Written while no app runs, after its cursor: at the next start the tail reads the backlog in batches of 200.
    await startApp();
    await until('the Slack cursor', () => h.db.prisma.auditCursor.findUnique({ where: { consumer: 'slack' } }).then((r) => r ?? undefined));
    await slack!.stop();
    slack = undefined;
    const power = 10 ** String((await head()) + 20).length;
    await filler(power - 10 - (await head()));
    const rationale = `Refund for order ${randomBytes(4).toString('hex')} (below ${power}).`;
    const { actionId } = await noticed(rationale);
    const classified = (await auditRows(h.db, actionId, 'action.classified'))[0]!;
    expect(Number(classified.seq)).toBeLessThan(power);
    await filler(power + 250 - (await head()));

    await startApp();
    await notifierReadPast(h.db, actionId);
    await fake.waitForCall('chat.postMessage', (c) => carries(rationale)(c.args) && c.response.ok === true);
    expect(noticeCalls(rationale)).toHaveLength(1);
  });
});
