import { randomBytes } from 'node:crypto';
import { awaitOutcome } from '@airlock/core/gateway';
import { createUser } from '@airlock/db';
import { decide, userOperator } from '@airlock/ops';
import type { RunningSlackApp } from '@airlock/slack';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi } from './fake-slack-api.js';
import { visibleText, type SlackClicker } from './interactions.js';
import { auditRows, notifierReadPast, until } from './notifier-progress.js';
import { postedMessage, startTestSlackApp, type SlackLogLine } from './slack-app.js';
import { closeSlackTestBed, startSlackTestBed } from './test-bed.js';

// A direct message claimed before slack_messages.airlock_user_id existed, to someone Slack named by
// email: its migration could not name them (it knew only unresolved rows and linked accounts), and a
// claim skips an existing row. The next lookup that names them names the row, so a lookup that fails
// later (after a restart) finds their DM instead of owing an airlock-user:<id> row, which would be
// given up (audited) while Slack shows the DM. Real Bolt receiver, Temporal and PostgreSQL, fake Web API.

const BOT_TOKEN = 'xoxb-airlock-dm-recipient-named';
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

async function stopApp(): Promise<void> {
  await slack!.stop();
  slack = undefined;
}

const messageRows = (actionId: string) =>
  h.db.prisma.slackMessage.findMany({ where: { actionId }, select: { target: true, airlockUserId: true, ts: true, owedSince: true }, orderBy: { target: 'asc' } });

const failedLookups = () => fake.calls('users.lookupByEmail').filter((c) => c.args.email === DANA_EMAIL && c.response.httpStatus === 500);

it('an upgraded DM row is named by the next lookup; a lookup failing after a restart then owes and audits nothing', { timeout: 120_000 }, async () => {
  await startApp();
  const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
  const dm = await postedMessage(fake, actionId, dana.id);
  await until('the DM row', async () => ((await messageRows(actionId)).find((r) => r.target === dana.id)?.ts ? true : undefined));
  await stopApp();
  // As an upgraded database holds it: claimed before the column, found by email (no link), so its migration left it unnamed.
  await h.db.pool.query('UPDATE slack_messages SET airlock_user_id = NULL WHERE action_id = $1 AND target = $2', [actionId, dana.id]);

  // A start: its catch-up syncs the open round, and Slack names dana (a fresh process asks again).
  await startApp();
  await stopApp();

  // A later start whose lookup of dana fails (a rate limit, Slack's side).
  fake.failNext('users.lookupByEmail', { status: 500 }, { times: Infinity, when: (args) => args.email === DANA_EMAIL });
  const failedBefore = failedLookups().length;
  await startApp();
  expect(failedLookups().length).toBeGreaterThan(failedBefore);
  expect(await messageRows(actionId)).toEqual([
    { target: 'C_APPROVALS', airlockUserId: null, ts: expect.any(String), owedSince: null },
    { target: alice.id, airlockUserId: 'alice', ts: expect.any(String), owedSince: null },
    { target: dana.id, airlockUserId: 'dana', ts: dm.ts, owedSince: null },
  ]);

  // The round closes: dana's DM shows it, and nothing was owed for an unnamed dana to be given up.
  await decide({ db: h.db, temporal: h.client }, userOperator({ id: 'bob', role: 'admin' }, 'api'), { actionId, decision: 'approve', argsHash });
  expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
  await fake.waitForMessage(dm.channel, dm.ts, (m) => visibleText(m).includes('succeeded'));
  await notifierReadPast(h.db, actionId);
  expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);
  expect((await messageRows(actionId)).map((r) => r.target)).toEqual(['C_APPROVALS', alice.id, dana.id]);
});
