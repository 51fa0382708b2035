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

/** Pages of conversations.history read before concluding there is no earlier post: ~1000 messages after the claim. */
const MAX_PAGES = 5;
const PAGE_SIZE = 200;
/** Slack's clock against the database's: the window opens this long before the row was claimed. */
const CLOCK_SLACK_MS = 5 * 60_000;

/**
 * Finds the message a post of `key` left in Slack, if any: one posted by this bot (`botId`) after the
 * row was claimed, whose metadata names the same action, round and target. The conversation is the
 * target itself, or for a direct message (a user id) the bot's DM with that person. Throws what the
 * Web API throws (the caller decides whether to post regardless).
 */
export async function findEarlierPost(slack: webApi.WebClient, botId: string, key: Omit<PostIdentity, 'hash'>, claimedAt: Date): Promise<PostedAt | undefined> {
  const channel = /^[UW]/.test(key.target) ? await directChannel(slack, key.target) : key.target;
  const oldest = ((claimedAt.getTime() - CLOCK_SLACK_MS) / 1000).toFixed(6);
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = HistoryPage.parse(await slack.conversations.history({ channel, oldest, include_all_metadata: true, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }));
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
  return undefined;
}

async function directChannel(slack: webApi.WebClient, user: string): Promise<string> {
  const opened = await slack.conversations.open({ users: user });
  const id = opened.channel?.id;
  if (!id) throw new Error(`conversations.open for ${user} returned no channel`);
  return id;
}
