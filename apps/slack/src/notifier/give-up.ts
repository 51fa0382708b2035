import { appendAuditWith, type Db } from '@airlock/db';
import type { Logger } from '@slack/bolt';
import type { FailedMessage } from './attempt.js';
import { messageKind } from './message-rows.js';
import { settleOwedStatement } from './owed-messages.js';

/** The "content" of a given-up post whose round was decided first (FailedMessage.hash): there is none to send. */
export const ROUND_CLOSED = 'round-closed';

/**
 * A message Airlock stopped trying to deliver, written where operators look (the audit log, the
 * action's page) as well as the log, in one transaction with the clearing of its owed state: a
 * message is never left owed once audited as given up (a later process would deliver it), nor
 * cleared unaudited. Once per message and content (its event key): a later attempt at the same
 * content, after a restart say, finds the row already there. Returns whether it committed; when it
 * did not (the database), the row's owed state is as it was and the caller keeps it owed.
 */
export async function auditGaveUp(deps: { db: Db; logger: Logger }, { row, call, hash, failure }: FailedMessage, attempts: number): Promise<boolean> {
  const permanent = !failure.transient;
  deps.logger.error(
    `gave up ${call === 'chat.update' ? 'updating' : 'posting'} the Slack ${row.kind} message of action ${row.actionId} in ${row.target}${permanent ? '' : ` after ${attempts} attempts`}: ${failure.error}`,
  );
  try {
    await appendAuditWith(deps.db, [settleOwedStatement(row)], {
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
    return true;
  } catch (error) {
    deps.logger.error(`could not audit the failed Slack delivery for action ${row.actionId}: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}
