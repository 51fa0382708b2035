import { appendAudit, type Db } from '@airlock/db';
import type { Logger } from '@slack/bolt';
import type { FailedMessage } from './attempt.js';
import { messageKind } from './message-rows.js';

/** The "content" of a given-up post whose round was decided first (FailedMessage.hash): there is none to send. */
export const ROUND_CLOSED = 'round-closed';

/**
 * A message Airlock stopped trying to deliver, written where operators look (the audit log, the
 * action's page) as well as the log. Once per message and content (its event key): a later
 * attempt at the same content, after a restart say, finds the row already there.
 */
export async function auditGaveUp(deps: { db: Db; logger: Logger }, { row, call, hash, failure }: FailedMessage, attempts: number): Promise<void> {
  const permanent = !failure.transient;
  deps.logger.error(
    `gave up ${call === 'chat.update' ? 'updating' : 'posting'} the Slack ${row.kind} message of action ${row.actionId} in ${row.target}${permanent ? '' : ` after ${attempts} attempts`}: ${failure.error}`,
  );
  try {
    await appendAudit(deps.db, {
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
    });
  } catch (error) {
    deps.logger.error(`could not audit the failed Slack delivery for action ${row.actionId}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
