import { randomBytes } from 'node:crypto';
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findEarlierPost, HistoryTooLongError, postMetadata } from '../../../apps/slack/src/notifier/earlier-post.js';
import { FakeSlackApi } from './fake-slack-api.js';

// The notifier looks for a post Slack took whose timestamp never reached its row (earlier-post.ts) in
// the conversation's history, which Slack returns newest first: in a busy channel the post must still
// be found, or the message kept owed, never posted a second time.

const BOT_TOKEN = 'xoxb-earlier-post';
const MINUTE = 60_000;
let fake: FakeSlackApi;
let client: webApi.WebClient;

beforeAll(async () => {
  fake = await FakeSlackApi.start({ token: BOT_TOKEN, users: [] });
  client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
});
afterAll(async () => {
  await fake?.close();
});

/** `count` messages of other people in `channel`, posted now. */
async function chatter(channel: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => client.chat.postMessage({ channel, text: `other ${i + j}` })));
  }
}

/** A post of a claimed row (its metadata naming it), `agoMs` ago by the fake's clock, which stamps it. */
async function ourPost(channel: string, agoMs = 0): Promise<{ key: { actionId: string; round: number; target: string }; claimedAt: Date; lastSentAt: Date }> {
  const key = { actionId: `act_earlier_${randomBytes(3).toString('hex')}`, round: 1, target: channel };
  const at = Date.now() - agoMs;
  if (agoMs > 0) vi.useFakeTimers({ toFake: ['Date'], now: at });
  try {
    await client.chat.postMessage({ channel, text: 'ours', metadata: postMetadata({ ...key, hash: 'h1' }) });
  } finally {
    vi.useRealTimers();
  }
  return { key, claimedAt: new Date(at - 1_000), lastSentAt: new Date(at) };
}

describe('findEarlierPost in a busy channel', () => {
  it('finds the post when more than 1000 messages came after its window', async () => {
    const channel = `C_BUSY_${randomBytes(3).toString('hex')}`;
    // The process died after Slack took it, 10 minutes ago; the channel went on meanwhile.
    const { key, claimedAt, lastSentAt } = await ourPost(channel, 10 * MINUTE);
    await chatter(channel, 1_100);
    expect(await findEarlierPost(client, 'B_BOT', key, { claimedAt, lastSentAt })).toMatchObject({ channel, hash: 'h1' });
  }, 120_000);

  it('does not answer "not posted" when its window holds more messages than it reads: it throws (the message stays owed)', async () => {
    const channel = `C_BUSY_${randomBytes(3).toString('hex')}`;
    const { key, claimedAt, lastSentAt } = await ourPost(channel);
    await chatter(channel, 1_100);
    await expect(findEarlierPost(client, 'B_BOT', key, { claimedAt, lastSentAt })).rejects.toBeInstanceOf(HistoryTooLongError);
    // Control: a window with no post of it, and fewer messages than are read, says so.
    const quiet = `C_QUIET_${randomBytes(3).toString('hex')}`;
    await chatter(quiet, 300);
    expect(await findEarlierPost(client, 'B_BOT', { ...key, target: quiet }, { claimedAt, lastSentAt })).toBeUndefined();
  }, 120_000);
});
