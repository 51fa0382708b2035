import { randomBytes } from 'node:crypto';
import { awaitOutcome } from '@airlock/core/gateway';
import { createUser } from '@airlock/db';
import { decide, userOperator } from '@airlock/ops';
import type { RunningSlackApp } from '@airlock/slack';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi, PostedMessage } from './fake-slack-api.js';
import { visibleText, type SlackClicker } from './interactions.js';
import { auditRows, notifierReadPast, until } from './notifier-progress.js';
import { postedMessage, startTestSlackApp, type SlackLogLine } from './slack-app.js';
import { closeSlackTestBed, startSlackTestBed } from './test-bed.js';

// A direct message Slack already shows, whose recipient's users.lookupByEmail fails later (after a
// restart, or once the directory's cache expired): the round has their DM, so nothing is owed for an
// unnamed recipient (airlock-user:<id>) and nothing is audited as given up; the DM keeps being updated.
// Real Bolt receiver, Temporal and PostgreSQL, fake Web API on loopback.

const BOT_TOKEN = 'xoxb-airlock-dm-lookup-token';
const SIGNING_SECRET = randomBytes(16).toString('hex');
const alice: SlackClicker = { id: 'U_ALICE', name: 'alice' };
const dana: SlackClicker = { id: 'U_DANA', name: 'dana' };
const DANA_EMAIL = 'dana@example.test';

let h: Harness;
let fake: FakeSlackApi;
let slack: RunningSlackApp | undefined;
const logLines: SlackLogLine[] = [];

beforeAll(async () => {
  ({ h, fake } = await startSlackTestBed({ botToken: BOT_TOKEN, users: [{ id: alice.id, name: 'alice', email: 'alice@example.test' }] }));
  await createUser(h.db, { id: 'dana', role: 'approver' });
  fake.addUser({ id: dana.id, name: 'dana', email: DANA_EMAIL });
});

afterEach(async () => {
  fake.heal('users.lookupByEmail');
  await slack?.stop();
  slack = undefined;
});

afterAll(() => closeSlackTestBed({ app: slack, fake, h }));

/** Starts the app (one at a time: only one reads the audit log); resolves once its start's catch-up synced the open rounds. */
async function startApp(): Promise<void> {
  const linesBefore = logLines.length;
  slack = await startTestSlackApp(h, fake, { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, logLines, pollIntervalMs: 300, env: { AIRLOCK_SLACK_DM_ASSIGNEES: 'true' } });
  await until('the catch-up', () => logLines.slice(linesBefore).find((l) => l.msg.startsWith('Slack catch-up: ')));
}

/** An open round whose DM to dana Slack shows; the app is stopped after, and dana's lookups fail (HTTP 500) from then on. */
async function dmPostedThenLookupFails(): Promise<{ actionId: string; argsHash: string; dm: PostedMessage }> {
  await startApp();
  const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
  const dm = await postedMessage(fake, actionId, dana.id);
  await slack!.stop();
  slack = undefined;
  fake.failNext('users.lookupByEmail', { status: 500 }, { times: Infinity, when: (args) => args.email === DANA_EMAIL });
  return { actionId, argsHash, dm };
}

const failedLookups = () => fake.calls('users.lookupByEmail').filter((c) => c.args.email === DANA_EMAIL && c.response.httpStatus === 500);

const messageRows = (actionId: string) =>
  h.db.prisma.slackMessage.findMany({ where: { actionId }, select: { target: true, airlockUserId: true, ts: true, owedSince: true }, orderBy: { target: 'asc' } });

/** Decides the round; resolves once dana's DM shows the outcome and the notifier has read every event of the action. */
async function approveAndSee(actionId: string, argsHash: string, dm: PostedMessage): Promise<void> {
  await decide({ db: h.db, temporal: h.client }, userOperator({ id: 'bob', role: 'admin' }, 'api'), { actionId, decision: 'approve', argsHash });
  expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
  await fake.waitForMessage(dm.channel, dm.ts, (m) => visibleText(m).includes('succeeded'));
  await notifierReadPast(h.db, actionId);
}

/** The round's rows after a start: the channel, alice's DM, and dana's DM named and pointing at what Slack shows; nothing owed. */
async function expectDanaDmNamed(actionId: string, dm: PostedMessage): Promise<void> {
  expect(await messageRows(actionId)).toEqual([
    { target: 'C_APPROVALS', airlockUserId: null, ts: expect.any(String), owedSince: null },
    { target: alice.id, airlockUserId: 'alice', ts: expect.any(String), owedSince: null },
    { target: dana.id, airlockUserId: 'dana', ts: dm.ts, owedSince: null },
  ]);
}

/** Nothing audited as given up, and no row beside the three (no owed airlock-user:<id> placeholder). */
async function expectNothingGivenUp(actionId: string): Promise<void> {
  expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);
  expect((await messageRows(actionId)).map((r) => r.target)).toEqual(['C_APPROVALS', alice.id, dana.id]);
}

describe("a direct message Slack shows, whose recipient's lookup fails later", () => {
  it('owes nothing for an unnamed recipient after a restart; the DM is updated when the round closes, and nothing is audited as given up', async () => {
    const { actionId, argsHash, dm } = await dmPostedThenLookupFails();
    const failedBefore = failedLookups().length;
    await startApp();
    // The start's catch-up synced the open round and asked for dana's account again: Slack failed it.
    expect(failedLookups().length).toBeGreaterThan(failedBefore);
    await expectDanaDmNamed(actionId, dm);

    await approveAndSee(actionId, argsHash, dm);
    await expectNothingGivenUp(actionId);
  });

  it('drops an owed unnamed-recipient row beside the DM (a notifier that had not seen the DM yet claimed it) instead of giving it up', async () => {
    const { actionId, argsHash, dm } = await dmPostedThenLookupFails();
    // What a lookup failing in a notifier whose read of the rows predates the DM's claim leaves: owed long past the give-up horizon, due now.
    await h.db.pool.query(
      `INSERT INTO slack_messages (action_id, round, target, kind, airlock_user_id, owed_since, failed_attempts, retry_at, last_error, updated_at)
       VALUES ($1, 1, 'airlock-user:dana', 'direct', 'dana', now() - interval '2 hours', 3, now(), 'users.lookupByEmail: http_500', now())`,
      [actionId],
    );
    const failedBefore = failedLookups().length;
    await startApp();
    expect(failedLookups().length).toBeGreaterThan(failedBefore);
    expect((await messageRows(actionId)).map((r) => r.target)).toEqual(['C_APPROVALS', alice.id, dana.id]);
    expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);

    await approveAndSee(actionId, argsHash, dm);
    expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);
  });

  // A DM claimed before slack_messages.airlock_user_id existed, to someone Slack named by email: its migration
  // could not name them (it knew only unresolved rows and linked accounts), and a claim skips an existing row.
  // The next lookup that names them names the row, so a lookup that fails later finds their DM.
  it('names an upgraded DM row at the next lookup, so a lookup failing after a restart then owes and audits nothing', { timeout: 120_000 }, async () => {
    await startApp();
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const dm = await postedMessage(fake, actionId, dana.id);
    await until('the DM row', async () => ((await messageRows(actionId)).find((r) => r.target === dana.id)?.ts ? true : undefined));
    await slack!.stop();
    slack = undefined;
    // As an upgraded database holds it: claimed before the column, found by email (no link), so its migration left it unnamed.
    await h.db.pool.query('UPDATE slack_messages SET airlock_user_id = NULL WHERE action_id = $1 AND target = $2', [actionId, dana.id]);

    // A start: its catch-up syncs the open round, and Slack names dana (a fresh process asks again).
    await startApp();
    await slack!.stop();
    slack = undefined;

    // A later start whose lookup of dana fails (a rate limit, Slack's side).
    fake.failNext('users.lookupByEmail', { status: 500 }, { times: Infinity, when: (args) => args.email === DANA_EMAIL });
    const failedBefore = failedLookups().length;
    await startApp();
    expect(failedLookups().length).toBeGreaterThan(failedBefore);
    await expectDanaDmNamed(actionId, dm);

    // The round closes: dana's DM shows it, and nothing was owed for an unnamed dana to be given up.
    await approveAndSee(actionId, argsHash, dm);
    await expectNothingGivenUp(actionId);
  });
});
