import type { webApi } from '@slack/bolt';
import { z } from 'zod';

// A post Slack took whose answer (channel, timestamp) never reached slack_messages: the process died
// between Slack's accept and the write, or the write failed. Posting it again would leave the first
// copy in the channel with live buttons that count for nothing and that nobody updates. So each post
// carries message metadata naming the message it is, and before a message whose row has no
// timestamp is posted again the notifier looks for it in the conversation's recent history.

/** The metadata event type of every message the notifier posts (apps may read it; people do not see it). */
export const MESSAGE_METADATA_TYPE = 'airlock_message';

/** Which message a post is: the slack_messages row's key, and the hash of what it showed. */
export interface PostIdentity {
  actionId: string;
  round: number;
  target: string;
  hash: string;
}

/** What a message's row records of Slack's answer to its post. */
export interface PostedAt {
  channel: string;
  ts: string;
  /** The content it was posted with (its rendered hash). */
  hash: string;
}

/** chat.postMessage's `metadata` for the message. */
export function postMetadata(post: PostIdentity): { event_type: string; event_payload: Record<string, string | number> } {
  return { event_type: MESSAGE_METADATA_TYPE, event_payload: { action_id: post.actionId, round: post.round, target: post.target, hash: post.hash } };
}

const HistoryMessage = z.object({
  ts: z.string(),
  bot_id: z.string().optional(),
  metadata: z.object({ event_type: z.string(), event_payload: z.record(z.string(), z.unknown()) }).optional(),
});
const HistoryPage = z.object({
  messages: z.array(z.unknown()).default([]),
  has_more: z.boolean().optional(),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
});

/** Pages of conversations.history read before giving up on finding an earlier post: ~1000 messages in its window. */
const MAX_PAGES = 5;
const PAGE_SIZE = 200;
/** Slack's clock against the database's, and a post's time in flight: the window opens this long before the row was claimed and closes this long after its last post was sent. */
const CLOCK_SLACK_MS = 5 * 60_000;

/** When a post of a message can have been made: not before its row was claimed, not after its last attempt to post started. */
export interface PostWindow {
  claimedAt: Date;
  /** The row's updated_at: each post stamps it just before it is sent (posting.ts). */
  lastSentAt: Date;
}

/** The history of the window holds more messages than are read: whether the message was posted is unknown. */
export class HistoryTooLongError extends Error {
  constructor(channel: string) {
    super(`conversations.history of ${channel}: more than ${MAX_PAGES * PAGE_SIZE} messages since the claim, the earlier post may be among the rest; not posting again`);
    this.name = 'HistoryTooLongError';
  }
}

/**
 * Finds the message a post of `key` left in Slack, if any: one posted by this bot (`botId`) within the
 * row's window, whose metadata names the same action, round and target. The conversation is the
 * target itself, or for a direct message (a user id) the bot's DM with that person. History is read
 * newest first, so the window is bounded on both sides; when it holds more messages than are read,
 * throws HistoryTooLongError (the caller keeps the message owed rather than posting it twice). Throws
 * what the Web API throws (the caller decides whether to post regardless).
 */
export async function findEarlierPost(slack: webApi.WebClient, botId: string, key: Omit<PostIdentity, 'hash'>, window: PostWindow): Promise<PostedAt | undefined> {
  const channel = /^[UW]/.test(key.target) ? await directChannel(slack, key.target) : key.target;
  const oldest = ((window.claimedAt.getTime() - CLOCK_SLACK_MS) / 1000).toFixed(6);
  const latest = ((Math.max(window.lastSentAt.getTime(), window.claimedAt.getTime()) + CLOCK_SLACK_MS) / 1000).toFixed(6);
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = HistoryPage.parse(
      await slack.conversations.history({ channel, oldest, latest, inclusive: true, include_all_metadata: true, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
    );
    for (const raw of answer.messages) {
      const message = HistoryMessage.safeParse(raw);
      if (!message.success || message.data.bot_id !== botId || message.data.metadata?.event_type !== MESSAGE_METADATA_TYPE) continue;
      const payload = message.data.metadata.event_payload;
      if (payload.action_id === key.actionId && Number(payload.round) === key.round && payload.target === key.target) {
        return { channel, ts: message.data.ts, hash: typeof payload.hash === 'string' ? payload.hash : '' };
      }
    }
    cursor = answer.response_metadata?.next_cursor;
    if (!answer.has_more || !cursor) return undefined;
  }
  throw new HistoryTooLongError(channel);
}

async function directChannel(slack: webApi.WebClient, user: string): Promise<string> {
  const opened = await slack.conversations.open({ users: user });
  const id = opened.channel?.id;
  if (!id) throw new Error(`conversations.open for ${user} returned no channel`);
  return id;
}
