import { auditAppendStatement, auditChainLockItems, inlineParams, inOneMessage, reportAppended, type AuditEventInput, type Db } from '@airlock/db';
import type { Logger } from '@slack/bolt';
import type { Attempt, Delivery, FailedMessage } from './attempt.js';
import { ROUND_CLOSED } from './give-up.js';
import { messageKind, messageRows, type MessageRow } from './message-rows.js';
import { markOwed, settleOwed, type Backoff } from './owed-messages.js';

// What an attempt at a delivery leaves on the message rows: each message Slack did not take is owed
// (retried by the notifier's retry pass, with a growing wait) or given up (audited), and each owed
// one with nothing left to send is cleared.

/** The longest wait between two retries of a message, in polls of the audit tail. */
const RETRY_MAX_DELAY_POLLS = 12;

export interface OutcomeDeps {
  db: Db;
  logger: Logger;
  /** The first wait before a failed message is tried again (see NotifierDeps.retryDelayMs). */
  retryDelayMs: number;
  /** How long after its first failed attempt a message is given up when the next attempt fails too. */
  giveUpAfterMs: number;
}

/**
 * Records what the attempt left. A message Slack refused for good is given up at once (audited); one
 * that failed otherwise is marked owed on its row (owed-messages.ts), with a growing wait, and given
 * up once a failed attempt comes `giveUpAfterMs` or more after the first. A give-up whose audit row
 * could not be written leaves the message owed, so a later attempt gives it up again. Returns whether
 * any message was marked owed. Throws only when what is owed could not be recorded: the caller's
 * events are then read again (handle) or the rows still say it (retryOwed).
 */
export async function recordOutcome(deps: OutcomeDeps, delivery: Delivery, attempt: Attempt): Promise<{ owed: boolean }> {
  let owedAny = false;
  const pastHorizon: { failed: FailedMessage; attempts: number }[] = [];
  for (const failed of attempt.failed) {
    const { row, failure } = failed;
    if (!failure.transient) {
      if ((await giveUp(deps, failed, row.attempts + 1)) === 'owed') owedAny = true;
      continue;
    }
    const now = Date.now();
    // A failure to record it (the database) fails the delivery: the audit tail reads the events again.
    const owed = await markOwed(deps.db, row, failure.error, new Date(now), backoff(deps, failure.retryAfterMs));
    if (!owed) continue;
    owedAny = true;
    if (now - owed.owedSince.getTime() >= deps.giveUpAfterMs) pastHorizon.push({ failed, attempts: owed.attempts });
  }
  // Marked owed just above, with its next attempt: if the audit row cannot be written, that attempt gives it up again.
  const gaveUp: typeof pastHorizon = [];
  for (const owed of pastHorizon) if ((await auditGiveUpIfOwed(deps, owed.failed, owed.attempts)) === 'given-up') gaveUp.push(owed);
  if (gaveUp.length > 0) {
    const what = delivery.kind === 'notice' ? 'posting the Slack notice' : 'updating the Slack messages';
    const { failed, attempts } = gaveUp[0]!;
    deps.logger.error(
      `gave up ${what} of action ${delivery.actionId} after ${attempts} attempts; Slack may not show its current state: ${failed.call} to ${failed.row.target}: ${failed.failure.error}`,
    );
  }
  for (const row of attempt.settled) {
    // Unposted, and its round is over: it will not be posted late, and so is given up.
    if (!row.ts) {
      const failed: FailedMessage = { row, call: 'chat.postMessage', hash: ROUND_CLOSED, failure: { error: row.lastError ?? 'unknown_error', transient: true } };
      if ((await giveUp(deps, failed, row.attempts)) === 'owed') owedAny = true;
    } else await settle(deps, row);
  }
  return { owed: owedAny };
}

/** What became of a message given up: audited (its owed state cleared), left to others (gone, or no longer owed), or still owed. */
type GiveUpResult = 'given-up' | 'left' | 'owed';

/**
 * Gives the message up (its audit row and the clearing of its owed state commit together). When that
 * could not be written, marks it owed once more, its next attempt after the usual wait, so that attempt
 * gives it up again; a failure to mark it fails the delivery.
 */
async function giveUp(deps: OutcomeDeps, failed: FailedMessage, attempts: number): Promise<GiveUpResult> {
  const result = await auditGiveUpIfOwed(deps, failed, attempts);
  if (result !== 'owed') return result;
  return (await markOwed(deps.db, failed.row, failed.failure.error, new Date(), backoff(deps, failed.failure.retryAfterMs))) ? 'owed' : 'left';
}

// Set by the give-up's first statement: whether it found the message as the give-up needs it (its slack.delivery_failed row is written only then).
const GIVES_UP = 'airlock.slack_gives_up';

/**
 * A message Airlock stopped trying to deliver, written where operators look (the audit log, the
 * action's page) as well as the log, in one transaction with the clearing of its owed state: a
 * message is never left owed once audited as given up (a later process would deliver it), nor
 * cleared unaudited. Only while its row is still there and still owed (or, refused for good when it
 * was not owed, still there), and for a post, still unposted: the rows were read before the attempt,
 * and meanwhile another sync may have dropped the row (an unresolved DM whose recipient is now known),
 * or another notifier posted it or gave it up ('left': nothing written, and exactly one audit row for
 * two notifiers giving up one message, whatever each one's content). Once per message and content
 * (its event key): a later attempt at the same content, after a restart say, finds the row already
 * there. 'owed' when it did not commit (the database): the row's owed state is as it was.
 */
async function auditGiveUpIfOwed(deps: { db: Db; logger: Logger }, { row, call, hash, failure }: FailedMessage, attempts: number): Promise<GiveUpResult> {
  const permanent = !failure.transient;
  const event: AuditEventInput = {
    eventKey: `${row.actionId}:slack.delivery_failed:${row.round}:${row.target}:${hash}`,
    actionId: row.actionId,
    type: 'slack.delivery_failed',
    actor: 'system:slack',
    payload: {
      message: messageKind(row.kind),
      round: row.round,
      target: row.target,
      channel: row.channel,
      ts: row.ts,
      call,
      error: failure.error,
      permanent,
      attempts,
      roundClosed: hash === ROUND_CLOSED,
    },
  };
  // A permanent refusal of a message that owed nothing when read gives up a message that need not be owed; any other, one that still is.
  const mustBeOwed = !permanent || row.owedSince !== null;
  let gaveUp: boolean;
  try {
    gaveUp = await inOneMessage(
      deps.db,
      (client) =>
        [
          inlineParams(
            `WITH given_up AS (
               UPDATE slack_messages SET owed_since = NULL, failed_attempts = 0, retry_at = NULL, last_error = NULL
                WHERE action_id = $1 AND round = $2 AND target = $3 AND (owed_since IS NOT NULL OR NOT $4::boolean) AND (ts IS NULL OR NOT $5::boolean)
                RETURNING 1)
             SELECT g.n > 0 AS given_up, set_config('${GIVES_UP}', (g.n > 0)::text, true), ${auditChainLockItems(client)}
               FROM (SELECT count(*) AS n FROM given_up) g`,
            [row.actionId, row.round, row.target, mustBeOwed, call === 'chat.postMessage'],
          ),
          auditAppendStatement([{ event, when: `current_setting('${GIVES_UP}', true) = 'true'` }]),
        ].join('; '),
      ([found, appended]) => {
        reportAppended(appended!);
        return (found!.rows[0] as { given_up: boolean }).given_up;
      },
    );
  } catch (error) {
    deps.logger.error(`could not audit the failed Slack delivery for action ${row.actionId}: ${error instanceof Error ? error.message : String(error)}`);
    return 'owed';
  }
  const what = `${call === 'chat.update' ? 'updating' : 'posting'} the Slack ${row.kind} message of action ${row.actionId} in ${row.target}`;
  if (!gaveUp) {
    deps.logger.info(`did not give up ${what}: its row is gone, owes nothing any more or was posted meanwhile (another sync or notifier)`);
    return 'left';
  }
  deps.logger.error(`gave up ${what}${permanent ? '' : ` after ${attempts} attempts`}: ${failure.error}`);
  return 'given-up';
}

function backoff(deps: OutcomeDeps, retryAfterMs: number | undefined): Backoff {
  return { firstDelayMs: deps.retryDelayMs, maxFactor: RETRY_MAX_DELAY_POLLS, retryAfterMs };
}

/**
 * Every message of the delivery's kind, as failed with `reason`: when its attempt failed before any
 * Slack call. A read that fails too fails the delivery (the audit tail reads the events again).
 */
export async function allMessagesFailed(db: Db, delivery: Delivery, reason: string): Promise<FailedMessage[]> {
  const rows = await messageRows(db, delivery.actionId, delivery.kind === 'notice' ? 'notice' : 'approval');
  return rows.map((row) => ({ row, call: row.ts ? 'chat.update' : 'chat.postMessage', hash: 'unrendered', failure: { error: reason, transient: true } }));
}

async function settle(deps: { db: Db; logger: Logger }, row: MessageRow): Promise<void> {
  try {
    await settleOwed(deps.db, row);
  } catch (error) {
    // Still owed: the next attempt sends what is left, or finds nothing left to send.
    deps.logger.error(`could not clear the owed Slack message of action ${row.actionId} in ${row.target}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
