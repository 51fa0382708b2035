import { awaitDurable, type Db } from '@airlock/db';
import type { Logger, webApi } from '@slack/bolt';
import type { SlackMessageContent } from '../blocks/approval-message.js';
import { findEarlierPost, postMetadata, type PostedAt, type PostWindow } from './earlier-post.js';
import { messageKey, rowWhere, type MessageRow } from './message-rows.js';
import { NOTHING_OWED } from './owed-messages.js';
import { classifySlackError } from './slack-errors.js';

export interface PosterDeps {
  db: Db;
  slack: webApi.WebClient;
  logger: Logger;
  /** Whether this process still leads the audit tail (AuditTail.isLeader); always, without it. */
  leads?: () => boolean;
}

/**
 * A send refused because this process lost the lead of the audit tail while it handled a batch (its
 * LISTEN session ended): the next leader reads the same events and sends what they ask for, from a
 * fresher state, so this process sends nothing more and records nothing for the attempt.
 */
export class LostLeadError extends Error {
  constructor() {
    super('this process no longer leads the audit tail: the next leader handles these events');
    this.name = 'LostLeadError';
  }
}

/**
 * Sends a message row to Slack and writes down what Slack answered: a post (carrying metadata
 * that names the row, so it can be found again), an update, or the adoption of a post Slack took
 * earlier whose timestamp never reached the row. Throws what Slack or the database throws; the
 * caller records the failure.
 */
export class MessagePoster {
  /** Posts Slack took whose channel and timestamp could not be written yet: the next attempt writes them instead of posting. */
  private readonly unrecorded = new Map<string, PostedAt>();
  /** This bot's id (auth.test), which an earlier post of ours carries; read once. */
  private botId: Promise<string> | undefined;

  constructor(private readonly deps: PosterDeps) {}

  // Before anything leaves for Slack: what the message shows was read a moment ago, and a row committed
  // with early lock release is visible before it is on disk (awaitDurable). Only a send pays this flush.
  // The row's updated_at says when this attempt started, on the database's clock (decisions.ts compares it
  // with now()): a click arriving from where it posts, before the timestamp below is written, waits for it;
  // an attempt older than that is not waited for. The post names its row in its metadata, so that if the
  // timestamp's write below never happens (the process dies, the write fails) the next attempt finds the
  // message (recovered) instead of posting a second one.
  async post(row: MessageRow, content: SlackMessageContent, hash: string): Promise<void> {
    await this.deps.db.pool.query('UPDATE slack_messages SET updated_at = now() WHERE action_id = $1 AND round = $2 AND target = $3', [row.actionId, row.round, row.target]);
    await awaitDurable(this.deps.db.pool);
    this.mustLead();
    const posted = await this.deps.slack.chat.postMessage({
      channel: row.target,
      text: content.text,
      blocks: content.blocks,
      metadata: postMetadata({ ...row, hash }),
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!posted.ts || !posted.channel) throw new Error(`chat.postMessage to ${row.target} returned no message timestamp`);
    // Slack has the message: from here on only the write is retried, never the post.
    const key = messageKey(row);
    this.unrecorded.set(key, { channel: posted.channel, ts: posted.ts, hash });
    await this.deps.db.prisma.slackMessage.update({ where: rowWhere(row), data: { channel: posted.channel, ts: posted.ts, renderedHash: hash, ...NOTHING_OWED } });
    this.unrecorded.delete(key);
    this.wentThrough(row);
  }

  async update(row: MessageRow & { channel: string; ts: string }, content: SlackMessageContent, hash: string): Promise<void> {
    await awaitDurable(this.deps.db.pool);
    this.mustLead();
    await this.deps.slack.chat.update({ channel: row.channel, ts: row.ts, text: content.text, blocks: content.blocks });
    await this.deps.db.prisma.slackMessage.update({ where: rowWhere(row), data: { renderedHash: hash, ...NOTHING_OWED } });
    this.wentThrough(row);
  }

  /**
   * The row, with the channel and timestamp of a post of it Slack already took, when there is one: a
   * post whose write failed in this process, else one found in the conversation's history by its
   * metadata (a process that died between Slack's answer and the write). Writes what it found. A
   * history lookup Slack fails passingly, or that could not read the whole window (a busy channel:
   * HistoryTooLongError), fails the attempt (it is owed, and retried: nothing is posted meanwhile;
   * given up at the horizon); one Slack refuses for good (no `channels:history` scope, say) is logged and the message
   * posted again, so a second copy is possible then.
   */
  async recovered(row: MessageRow): Promise<MessageRow> {
    if (row.ts) return row;
    const key = messageKey(row);
    let found = this.unrecorded.get(key);
    if (!found) {
      try {
        found = await findEarlierPost(this.deps.slack, await this.ownBotId(), row, await this.postWindow(row));
      } catch (error) {
        const failure = classifySlackError(error);
        if (failure.transient) throw error;
        this.deps.logger.warn(
          `could not look for an earlier post of the Slack ${row.kind} message of action ${row.actionId} in ${row.target} (${failure.error}): posting it, a second copy is possible`,
        );
        return row;
      }
      if (!found) return row;
      this.deps.logger.warn(
        `the Slack ${row.kind} message of action ${row.actionId} in ${row.target} was posted before its timestamp was recorded: adopting ${found.channel}/${found.ts}`,
      );
    }
    await this.deps.db.prisma.slackMessage.update({ where: rowWhere(row), data: { channel: found.channel, ts: found.ts, renderedHash: found.hash } });
    this.unrecorded.delete(key);
    return { ...row, channel: found.channel, ts: found.ts, renderedHash: found.hash };
  }

  /** When a post of the row can have been made: from its claim to its last post's stamp (post), on the database's clock. */
  private async postWindow(row: MessageRow): Promise<PostWindow> {
    const { rows } = await this.deps.db.pool.query<{ updated_at: Date }>('SELECT updated_at FROM slack_messages WHERE action_id = $1 AND round = $2 AND target = $3', [
      row.actionId,
      row.round,
      row.target,
    ]);
    return { claimedAt: row.createdAt, lastSentAt: rows[0]?.updated_at ?? row.createdAt };
  }

  private ownBotId(): Promise<string> {
    this.botId ??= this.deps.slack.auth.test().then((answer) => {
      if (!answer.bot_id) throw new Error('auth.test returned no bot_id');
      return answer.bot_id;
    });
    // A failed read is not kept: the next lookup asks again.
    void this.botId.catch(() => (this.botId = undefined));
    return this.botId;
  }

  /**
   * Just before a send: a process that lost the lead would send what it read before the next leader
   * took over (a second copy of a post the next leader also makes, an edit back to an earlier state).
   * What Slack already took is still written down (the same message the next leader finds).
   */
  private mustLead(): void {
    if (this.deps.leads && !this.deps.leads()) throw new LostLeadError();
  }

  private wentThrough(row: MessageRow): void {
    if (row.attempts > 0) this.deps.logger.info(`the Slack ${row.kind} message of action ${row.actionId} in ${row.target} went through after ${row.attempts} failed attempts`);
  }
}
