import { auditAppendStatement, auditChainLockItems, inlineParams, inOneMessage, reportAppended, type AuditEventInput, type Db } from '@airlock/db';
import type { Logger } from '@slack/bolt';
import type { FailedMessage } from './attempt.js';
import { messageKind } from './message-rows.js';

/** The "content" of a given-up post whose round was decided first (FailedMessage.hash): there is none to send. */
export const ROUND_CLOSED = 'round-closed';

/** What became of a message given up: audited (its owed state cleared), left to others (gone, or no longer owed), or still owed. */
export type GiveUpResult = 'given-up' | 'left' | 'owed';

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
export async function auditGiveUpIfOwed(deps: { db: Db; logger: Logger }, { row, call, hash, failure }: FailedMessage, attempts: number): Promise<GiveUpResult> {
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
