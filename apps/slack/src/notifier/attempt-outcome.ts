import type { Db } from '@airlock/db';
import type { Logger } from '@slack/bolt';
import type { Attempt, Delivery, FailedMessage } from './attempt.js';
import { auditGiveUpIfOwed, ROUND_CLOSED, type GiveUpResult } from './give-up.js';
import { messageRows, type MessageRow } from './message-rows.js';
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
