import { randomBytes } from 'node:crypto';
import { awaitOutcome } from '@airlock/core/gateway';
import { decide, userOperator } from '@airlock/ops';
import type { RunningSlackApp } from '@airlock/slack';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi, PostedMessage } from './fake-slack-api.js';
import { buttons, visibleText } from './interactions.js';
import { auditRows, until } from './notifier-progress.js';
import { postedMessage, startTestSlackApp, type SlackLogLine } from './slack-app.js';
import { closeSlackTestBed, startSlackTestBed } from './test-bed.js';

// A message already owed whose next owed mark cannot be written while other writes still work (a
// dropped pooled connection, a failover, a lock timeout on that row): the notifier gives that delivery
// up as "unrecorded" (an error line) and reads on, but its row must keep owing the message. Clearing it
// (the retry pass's settling of rows it neither sent nor marked) would leave Slack showing the open
// round and its buttons for good, with no slack.delivery_failed row. Once the database and Slack are
// back, the message is brought up to date; if Slack stays down, the give-up is audited.
// Real Bolt app, Temporal and PostgreSQL, fake Web API on loopback.

const BOT_TOKEN = 'xoxb-owed-settle';
const SIGNING_SECRET = randomBytes(16).toString('hex');
let h: Harness;
let fake: FakeSlackApi;
let slack: RunningSlackApp | undefined;
const logLines: SlackLogLine[] = [];

beforeAll(async () => {
  ({ h, fake } = await startSlackTestBed({ botToken: BOT_TOKEN, users: [{ id: 'U_ALICE', name: 'alice', email: 'alice@example.test' }] }));
  // A message owed for 1.5 s is given up at its next failed attempt; so is a delivery nothing could record for that long.
  slack = await startTestSlackApp(h, fake, { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, logLines, pollIntervalMs: 300, deliveryGiveUpMs: 1_500 });
});
afterEach(async () => {
  fake.heal('chat.update');
  await h.db.pool.query('DROP TRIGGER IF EXISTS owed_settle_fail_mark ON slack_messages');
});
afterAll(() => closeSlackTestBed({ app: slack, fake, h }));

interface RowState {
  owed: boolean;
  attempts: number;
  renderedHash: string | null;
}

/** The message's row, once its timestamp is written. */
const rowOf = async (actionId: string, ts: string): Promise<RowState | undefined> =>
  (
    await h.db.pool.query<RowState>(
      'SELECT owed_since IS NOT NULL AS owed, failed_attempts AS attempts, rendered_hash AS "renderedHash" FROM slack_messages WHERE action_id = $1 AND ts = $2',
      [actionId, ts],
    )
  ).rows[0];

const updatesOf = (message: PostedMessage) => fake.calls('chat.update').filter((c) => c.args.ts === message.ts);

/**
 * An open round's channel message whose updates Slack fails (HTTP 500) and whose owed marks fail once
 * it is owed (its first mark goes through, every later one of this action's rows raises); the round is
 * approved and the action runs; resolves once the notifier gave the delivery up as unrecorded and
 * tried it at least twice more since (retry passes after the give-up).
 */
async function owedWhileItsMarksFail(): Promise<{ actionId: string; message: PostedMessage; openHash: string }> {
  const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
  const message = await postedMessage(fake, actionId);
  const openHash = await until('the posted row', async () => (await rowOf(actionId, message.ts))?.renderedHash ?? undefined);
  fake.failNext('chat.update', { status: 500 }, { times: Infinity, when: (args) => args.ts === message.ts });
  await h.db.pool.query(`CREATE OR REPLACE FUNCTION owed_settle_fail_mark() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF NEW.action_id = '${actionId}' AND OLD.owed_since IS NOT NULL AND NEW.failed_attempts > OLD.failed_attempts THEN
      RAISE EXCEPTION 'owed-settle: connection lost';
    END IF;
    RETURN NEW; END $$`);
  await h.db.pool.query('CREATE TRIGGER owed_settle_fail_mark BEFORE UPDATE ON slack_messages FOR EACH ROW EXECUTE FUNCTION owed_settle_fail_mark()');
  await decide({ db: h.db, temporal: h.client }, userOperator({ id: 'bob', role: 'admin' }, 'api'), { actionId, decision: 'approve', argsHash });
  expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
  await until('the message to be owed', async () => ((await rowOf(actionId, message.ts))?.owed ? true : undefined));
  const gaveUp = `gave up updating the Slack messages of action ${actionId}: it failed before anything could record it`;
  await until('the unrecorded give-up', () => logLines.find((l) => l.msg.startsWith(gaveUp)), 30_000);
  // Each attempt calls chat.update first: two more after the give-up are at least one retry pass that ran past it.
  const updatesAtGiveUp = updatesOf(message).length;
  await until('two more attempts, or the row cleared', async () =>
    updatesOf(message).length >= updatesAtGiveUp + 2 || !(await rowOf(actionId, message.ts))?.owed ? true : undefined,
  );
  return { actionId, message, openHash };
}

describe('an owed message whose next owed mark fails', () => {
  it('still owes it after the unrecorded give-up, and is brought up to date once Slack and the database are back', { timeout: 120_000 }, async () => {
    const { actionId, message, openHash } = await owedWhileItsMarksFail();
    expect(await rowOf(actionId, message.ts)).toMatchObject({ owed: true, renderedHash: openHash });
    expect(buttons(fake.message(message.channel, message.ts)!.blocks).length).toBeGreaterThan(0);

    // Slack first: the update that goes through clears the owed state (no failed_attempts rise, so the trigger lets it).
    fake.heal('chat.update');
    const shown = await fake.waitForMessage(message.channel, message.ts, (m) => buttons(m.blocks).length === 0);
    expect(visibleText(shown)).toContain('succeeded');
    await until('the row to owe nothing', async () => ((await rowOf(actionId, message.ts))?.owed ? undefined : true));
    expect((await rowOf(actionId, message.ts))?.renderedHash).not.toBe(openHash);
    expect(await auditRows(h.db, actionId, 'slack.delivery_failed')).toEqual([]);
  });

  it('still owes it after the unrecorded give-up, and gives it up audited once the database is back while Slack is not', { timeout: 120_000 }, async () => {
    const { actionId, message } = await owedWhileItsMarksFail();
    expect((await rowOf(actionId, message.ts))?.owed).toBe(true);

    // The database first: the next failed attempt is marked, long past the horizon, so it is given up with its audit row.
    await h.db.pool.query('DROP TRIGGER owed_settle_fail_mark ON slack_messages');
    const [given] = await until('the audited give-up', async () => {
      const rows = await auditRows(h.db, actionId, 'slack.delivery_failed');
      return rows.length > 0 ? rows : undefined;
    });
    expect(given!.payload).toMatchObject({ message: 'approval', target: 'C_APPROVALS', call: 'chat.update', permanent: false });
    expect((await rowOf(actionId, message.ts))?.owed).toBe(false);
    expect(buttons(fake.message(message.channel, message.ts)!.blocks).length).toBeGreaterThan(0);
  });
});
