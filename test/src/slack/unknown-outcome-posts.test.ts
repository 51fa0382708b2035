import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningSlackApp } from '@airlock/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { carries, until } from './notifier-progress.js';
import { startTestSlackApp, type SlackLogLine } from './slack-app.js';
import { closeSlackTestBed, startSlackTestBed, type SlackTestBed } from './test-bed.js';

// A post whose outcome the notifier cannot know: Slack took it, but its answer was a 5xx, the connection
// was reset, or the answer never came. The notifier's Web API client sends each call once (no retry of
// its own would know the first copy is there) and within a timeout; the post is owed, and the next
// attempt finds the first copy in the channel's history and adopts it. One post, one message.

const BOT_TOKEN = 'xoxb-unknown-outcome-posts';
const bed: Partial<SlackTestBed> & { app?: RunningSlackApp } = {};
let proxy: AnswerLosingProxy;
const logLines: SlackLogLine[] = [];

/** Between the app and the fake Web API: passes every call on, but can lose the answer to a post the fake took. */
class AnswerLosingProxy {
  private readonly losses: { text: string; how: '502' | 'reset' }[] = [];

  private constructor(private readonly server: Server) {}

  static async start(target: string): Promise<AnswerLosingProxy> {
    const server = createServer();
    const proxy = new AnswerLosingProxy(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const method = new URL(req.url ?? '/', 'http://proxy').pathname.replace(/^\/api\//, '');
        void fetch(new URL(method, target), {
          method: 'POST',
          headers: { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded', authorization: req.headers.authorization ?? '' },
          body,
        }).then(async (answer) => {
          const text = await answer.text();
          const loss = method === 'chat.postMessage' ? proxy.takeLoss(new URLSearchParams(body).get('blocks') ?? '') : undefined;
          if (loss === 'reset') return req.socket.destroy();
          if (loss === '502') {
            res.writeHead(502, { 'content-type': 'text/plain' });
            return res.end('bad gateway');
          }
          const retryAfter = answer.headers.get('retry-after');
          res.writeHead(answer.status, { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) });
          res.end(text);
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
  }

  /** The next post whose blocks carry `text` is taken by Slack, and its answer lost: a 502 instead, or the connection reset. */
  loseNextPostAnswer(text: string, how: '502' | 'reset'): void {
    this.losses.push({ text, how });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private takeLoss(blocks: string): '502' | 'reset' | undefined {
    const index = this.losses.findIndex((l) => blocks.includes(l.text));
    if (index < 0) return undefined;
    return this.losses.splice(index, 1)[0]!.how;
  }
}

beforeAll(async () => {
  Object.assign(bed, await startSlackTestBed({ botToken: BOT_TOKEN, users: [{ id: 'U_ALICE', name: 'alice', email: 'alice@example.test' }] }));
  proxy = await AnswerLosingProxy.start(bed.fake!.url);
  await startApp();
});
afterAll(async () => {
  await closeSlackTestBed(bed);
  await proxy?.close();
});

async function startApp(): Promise<void> {
  bed.app = await startTestSlackApp(bed.h!, bed.fake!, {
    botToken: BOT_TOKEN,
    signingSecret: randomBytes(16).toString('hex'),
    logLines,
    pollIntervalMs: 300,
    env: { SLACK_API_URL: proxy.url },
  });
}

/** The posts of messages carrying `rationale` that Slack (the fake) took: each is a message in the channel. */
const taken = (rationale: string) => bed.fake!.calls('chat.postMessage').filter((c) => carries(rationale)(c.args) && c.response.ok === true);

/** The action's approval message once its row records a message and owes nothing. */
const recorded = (actionId: string) =>
  until(
    'the message to be recorded',
    () => bed.h!.db.prisma.slackMessage.findFirst({ where: { actionId, ts: { not: null }, owedSince: null }, select: { channel: true, ts: true } }).then((r) => r ?? undefined),
    45_000,
  );

const adopted = (actionId: string) =>
  logLines.some((l) => l.msg.startsWith(`the Slack approval message of action ${actionId} in C_APPROVALS was posted before its timestamp was recorded: adopting`));

describe('a post Slack took whose answer was lost', () => {
  for (const [name, how] of [
    ['an HTTP 502', '502'],
    ['a connection reset', 'reset'],
  ] as const) {
    it(`${name} instead of the answer: the message is found and adopted, never posted a second time`, async () => {
      const rationale = `Refund for order ${randomBytes(4).toString('hex')} (answer lost: ${how}).`;
      proxy.loseNextPostAnswer(rationale, how);
      const { actionId } = await submitAndWaitForApproval(bed.h!.client, bed.h!.taskQueue, refundRequest({ rationale }));
      const row = await recorded(actionId);
      expect(taken(rationale)).toHaveLength(1);
      expect(row).toEqual({ channel: taken(rationale)[0]!.response.channel, ts: taken(rationale)[0]!.response.ts });
      expect(adopted(actionId)).toBe(true);
    });
  }

  it('an answer that never comes: the call times out, and the message is found and adopted, never posted a second time', async () => {
    const rationale = `Refund for order ${randomBytes(4).toString('hex')} (answer held).`;
    const held = bed.fake!.holdNextAnswer('chat.postMessage', carries(rationale));
    try {
      const { actionId } = await submitAndWaitForApproval(bed.h!.client, bed.h!.taskQueue, refundRequest({ rationale }));
      const row = await recorded(actionId);
      expect(taken(rationale)).toHaveLength(1);
      expect(row).toEqual({ channel: taken(rationale)[0]!.response.channel, ts: taken(rationale)[0]!.response.ts });
      expect(adopted(actionId)).toBe(true);
    } finally {
      held.release();
    }
  });
});
