import { randomBytes } from 'node:crypto';
import { LogLevel, type Logger } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailedMessage } from '../../../apps/slack/src/notifier/attempt.js';
import { recordOutcome, type OutcomeDeps } from '../../../apps/slack/src/notifier/attempt-outcome.js';
import { dropMessage, messageRows, type MessageRow } from '../../../apps/slack/src/notifier/message-rows.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { auditRows } from './notifier-progress.js';

// A notifier gives up a message (audits slack.delivery_failed and clears its owed state) from rows it
// read before its attempt. Meanwhile another sync may have dropped the row (an unresolved DM whose
// recipient a lookup has since named), or another notifier (a replica, or this one's retry pass from a
// fresher read) posted it or gave it up: the give-up then writes nothing. Exactly one audit row per
// message given up, never one for a row that is gone or a message Slack shows. Real PostgreSQL; the
// rows are read with the notifier's own read, then changed as the other party would.

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

/** A notifier's outcome deps: give up a message whose first failed attempt is an hour old or more. */
const deps = (): OutcomeDeps => ({ db: database.db, logger: silent, retryDelayMs: 1_000, giveUpAfterMs: 60 * 60_000 });

const newActionId = () => `act_give_up_${randomBytes(4).toString('hex')}`;

/** An unposted message of round 1 at `target`, owed for two hours (past the give-up horizon), its next attempt due. */
async function owedUnposted(actionId: string, target: string, kind = 'direct'): Promise<void> {
  await database.db.pool.query(
    `INSERT INTO slack_messages (action_id, round, target, kind, owed_since, failed_attempts, retry_at, last_error, updated_at)
     VALUES ($1, 1, $2, $3, now() - interval '2 hours', 3, now(), 'users.lookupByEmail: http_500', now())`,
    [actionId, target, kind],
  );
}

/** The row as a notifier reads it before its attempt. */
async function readRow(actionId: string, target: string): Promise<MessageRow> {
  const row = (await messageRows(database.db, actionId)).find((r) => r.target === target);
  if (!row) throw new Error(`no row ${actionId} ${target}`);
  return row;
}

const stateOf = async (actionId: string) =>
  (
    await database.db.pool.query<{ target: string; ts: string | null; owed: boolean }>(
      'SELECT target, ts, owed_since IS NOT NULL AS owed FROM slack_messages WHERE action_id = $1 ORDER BY target',
      [actionId],
    )
  ).rows;

const gaveUp = async (actionId: string) => (await auditRows(database.db, actionId, 'slack.delivery_failed')).map((r) => r.payload as { target: string; roundClosed: boolean });

const refusedForGood = (row: MessageRow, hash = 'content-1'): FailedMessage => ({
  row,
  call: row.ts ? 'chat.update' : 'chat.postMessage',
  hash,
  failure: { error: 'channel_not_found', transient: false },
});

const failedAgain = (row: MessageRow, hash: string): FailedMessage => ({ row, call: 'chat.postMessage', hash, failure: { error: 'ratelimited', transient: true } });

describe('a give-up from rows read before the attempt', () => {
  it('writes nothing for an unresolved DM dropped meanwhile, whether its round closed or Slack refused it for good', async () => {
    const actionId = newActionId();
    await owedUnposted(actionId, 'airlock-user:dana');
    await owedUnposted(actionId, 'airlock-user:erin');
    const dana = await readRow(actionId, 'airlock-user:dana');
    const erin = await readRow(actionId, 'airlock-user:erin');
    // Another sync found their DMs (a lookup answered): the unresolved rows stand for nothing and are dropped.
    await dropMessage(database.db, dana);
    await dropMessage(database.db, erin);

    // The round closed: dana's unposted row is given up as never posted (the settled path).
    expect(await recordOutcome(deps(), { kind: 'sync', actionId }, { failed: [], settled: [dana] })).toEqual({ owed: false });
    // A failure Slack calls final gives erin's row up at once.
    expect(await recordOutcome(deps(), { kind: 'sync', actionId }, { failed: [refusedForGood(erin)], settled: [] })).toEqual({ owed: false });

    expect(await gaveUp(actionId)).toEqual([]);
    expect(await stateOf(actionId)).toEqual([]);
  });

  it('writes nothing for an unresolved DM dropped between its owed mark and its give-up', async () => {
    const actionId = newActionId();
    await owedUnposted(actionId, 'airlock-user:frank');
    const frank = await readRow(actionId, 'airlock-user:frank');
    // The other sync's drop lands right after this notifier's mark of the failed attempt (which still returns the row, past the horizon).
    await database.db.pool.query(`CREATE FUNCTION give_up_races_drop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      DELETE FROM slack_messages WHERE action_id = NEW.action_id AND round = NEW.round AND target = NEW.target; RETURN NULL; END $$`);
    await database.db.pool.query(
      `CREATE TRIGGER give_up_races_drop AFTER UPDATE OF failed_attempts ON slack_messages FOR EACH ROW
       WHEN (NEW.target = 'airlock-user:frank' AND NEW.failed_attempts > OLD.failed_attempts) EXECUTE FUNCTION give_up_races_drop()`,
    );
    try {
      await recordOutcome(deps(), { kind: 'sync', actionId }, { failed: [failedAgain(frank, 'content-1')], settled: [] });
    } finally {
      await database.db.pool.query('DROP TRIGGER give_up_races_drop ON slack_messages; DROP FUNCTION give_up_races_drop()');
    }
    expect(await gaveUp(actionId)).toEqual([]);
    expect(await stateOf(actionId)).toEqual([]);
  });

  it('still gives up a message refused for good that owed nothing and whose row is there (control)', async () => {
    const actionId = newActionId();
    await database.db.pool.query(`INSERT INTO slack_messages (action_id, round, target, kind, updated_at) VALUES ($1, 1, 'C_GONE', 'approval', now())`, [actionId]);
    const row = await readRow(actionId, 'C_GONE');
    expect(await recordOutcome(deps(), { kind: 'sync', actionId }, { failed: [refusedForGood(row)], settled: [] })).toEqual({ owed: false });
    expect(await gaveUp(actionId)).toMatchObject([{ target: 'C_GONE', roundClosed: false }]);
  });

  it('writes nothing for a message another notifier posted meanwhile', async () => {
    const actionId = newActionId();
    await owedUnposted(actionId, 'U_DANA');
    const stale = await readRow(actionId, 'U_DANA');
    // Another replica's retry pass posted it: the row has Slack's timestamp and owes nothing.
    await database.db.pool.query(
      `UPDATE slack_messages SET channel = 'D_DANA', ts = '1700000000.000100', owed_since = NULL, failed_attempts = 0, retry_at = NULL, last_error = NULL
        WHERE action_id = $1 AND target = 'U_DANA'`,
      [actionId],
    );
    expect(await recordOutcome(deps(), { kind: 'sync', actionId }, { failed: [], settled: [stale] })).toEqual({ owed: false });
    expect(await gaveUp(actionId)).toEqual([]);
    expect(await stateOf(actionId)).toEqual([{ target: 'U_DANA', ts: '1700000000.000100', owed: false }]);

    // Owed again since, for an update of the posted DM: that is not the post the stale give-up is about.
    await database.db.pool.query(
      `UPDATE slack_messages SET owed_since = now() - interval '2 hours', failed_attempts = 1, retry_at = now(), last_error = 'ratelimited' WHERE action_id = $1`,
      [actionId],
    );
    expect(await recordOutcome(deps(), { kind: 'sync', actionId }, { failed: [], settled: [stale] })).toEqual({ owed: false });
    expect(await gaveUp(actionId)).toEqual([]);
    expect(await stateOf(actionId)).toEqual([{ target: 'U_DANA', ts: '1700000000.000100', owed: true }]);
  });

  it('writes one audit row when another notifier gave the message up first, with other content', async () => {
    const actionId = newActionId();
    await owedUnposted(actionId, 'C_APPROVALS', 'approval');
    const stale = await readRow(actionId, 'C_APPROVALS');
    // This process's retry pass fails again past the horizon and gives it up...
    await recordOutcome(deps(), { kind: 'sync', actionId }, { failed: [failedAgain(stale, 'content-1')], settled: [] });
    expect(await gaveUp(actionId)).toMatchObject([{ target: 'C_APPROVALS', roundClosed: false }]);
    // ...and another replica, from its read before that, finds the round closed and gives it up too.
    expect(await recordOutcome(deps(), { kind: 'sync', actionId }, { failed: [], settled: [stale] })).toEqual({ owed: false });
    expect(await gaveUp(actionId)).toMatchObject([{ target: 'C_APPROVALS', roundClosed: false }]);
    expect(await stateOf(actionId)).toEqual([{ target: 'C_APPROVALS', ts: null, owed: false }]);
  });

  it('writes one audit row when two notifiers give one owed message up at once', async () => {
    const actionId = newActionId();
    await owedUnposted(actionId, 'C_APPROVALS', 'approval');
    const stale = await readRow(actionId, 'C_APPROVALS');
    // One replica's retry pass is refused for good while the other finds the round closed: different content, different event keys.
    const outcomes = await Promise.all([
      recordOutcome(deps(), { kind: 'sync', actionId }, { failed: [refusedForGood(stale)], settled: [] }),
      recordOutcome(deps(), { kind: 'sync', actionId }, { failed: [], settled: [stale] }),
    ]);
    expect(outcomes).toEqual([{ owed: false }, { owed: false }]);
    expect(await gaveUp(actionId)).toHaveLength(1);
    expect(await stateOf(actionId)).toEqual([{ target: 'C_APPROVALS', ts: null, owed: false }]);

    // Same content on both (two round-closed give-ups): one row as well.
    const other = newActionId();
    await owedUnposted(other, 'C_APPROVALS', 'approval');
    const row = await readRow(other, 'C_APPROVALS');
    await Promise.all([
      recordOutcome(deps(), { kind: 'sync', actionId: other }, { failed: [], settled: [row] }),
      recordOutcome(deps(), { kind: 'sync', actionId: other }, { failed: [], settled: [row] }),
    ]);
    expect(await gaveUp(other)).toMatchObject([{ target: 'C_APPROVALS', roundClosed: true }]);
  });
});
