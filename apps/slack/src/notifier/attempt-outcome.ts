import type { Db } from '@airlock/db';
import type { Logger } from '@slack/bolt';
import type { Attempt, Delivery, FailedMessage } from './attempt.js';
import { auditGaveUp, ROUND_CLOSED } from './give-up.js';
import { messageRows, type MessageRow } from './message-rows.js';
import { markOwed, settleOwed } from './owed-messages.js';

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
 * up once a failed attempt comes `giveUpAfterMs` or more after the first. Returns whether any message
 * was marked owed. Throws only when what is owed could not be recorded: the caller's events are then
 * read again (handle) or the rows still say it (retryOwed).
 */
export async function recordOutcome(deps: OutcomeDeps, delivery: Delivery, attempt: Attempt): Promise<{ owed: boolean }> {
  let owedAny = false;
  const gaveUp: { failed: FailedMessage; attempts: number }[] = [];
  for (const failed of attempt.failed) {
    const { row, failure } = failed;
    if (!failure.transient) {
      await auditGaveUp(deps, failed, row.attempts + 1);
      if (row.owedSince) await settle(deps, row);
      continue;
    }
    const backoff = { firstDelayMs: deps.retryDelayMs, maxFactor: RETRY_MAX_DELAY_POLLS, retryAfterMs: failure.retryAfterMs };
    const now = Date.now();
    // A failure to record it (the database) fails the delivery: the audit tail reads the events again.
    const owed = await markOwed(deps.db, row, failure.error, new Date(now), backoff);
    if (!owed) continue;
    owedAny = true;
    if (now - owed.owedSince.getTime() >= deps.giveUpAfterMs) gaveUp.push({ failed, attempts: owed.attempts });
  }
  if (gaveUp.length > 0) {
    const what = delivery.kind === 'notice' ? 'posting the Slack notice' : 'updating the Slack messages';
    const { failed, attempts } = gaveUp[0]!;
    deps.logger.error(
      `gave up ${what} of action ${delivery.actionId} after ${attempts} attempts; Slack may not show its current state: ${failed.call} to ${failed.row.target}: ${failed.failure.error}`,
    );
  }
  for (const { failed, attempts } of gaveUp) {
    await auditGaveUp(deps, failed, attempts);
    await settle(deps, failed.row);
  }
  for (const row of attempt.settled) {
    // Unposted, and its round is over: it will not be posted late, and so is given up.
    if (!row.ts)
      await auditGaveUp(deps, { row, call: 'chat.postMessage', hash: ROUND_CLOSED, failure: { error: row.lastError ?? 'unknown_error', transient: true } }, row.attempts);
    await settle(deps, row);
  }
  return { owed: owedAny };
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
    // Still owed: the next attempt finds the audit row of this content already written.
    deps.logger.error(`could not clear the owed Slack message of action ${row.actionId} in ${row.target}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
