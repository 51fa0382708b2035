import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

// The least of Slack's Web API the Airlock Slack app needs, on loopback, answering
// at once: the figures measured through it are Airlock's own, not Slack's network.

export interface PostedMessage {
  channel: string;
  ts: string;
  blocks: unknown[];
}

export interface FakeSlack {
  /** Base URL for SLACK_API_URL. */
  url: string;
  /** The approval message the notifier posted for an action (waits for it). */
  posted(actionId: string): Promise<PostedMessage>;
  /** When the message was first updated to text starting with `marker` (Date.now()). */
  updatedTo(channel: string, ts: string, marker: string): Promise<number>;
  close(): Promise<void>;
}

type ActionsBlock = { type: 'actions'; block_id: string; elements: { action_id: string; value?: string }[] };

export function approveButton(blocks: unknown[]): (ActionsBlock['elements'][number] & { block_id: string }) | undefined {
  const actions = blocks.find((b): b is ActionsBlock => (b as { type?: string }).type === 'actions');
  const approve = actions?.elements.find((e) => e.action_id === 'airlock_approve');
  return approve && { ...approve, block_id: actions!.block_id };
}

/** Answers auth.test, chat.postMessage, chat.update and users.info (every Slack user is `approverEmail`, confirmed). */
export async function startFakeSlack(approverEmail: string): Promise<FakeSlack> {
  const posts = new Map<string, PostedMessage>();
  const updates = new Map<string, { at: number; text: string }[]>();
  const waiters = new Set<() => void>();
  let counter = 0;
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '');
      const args = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      let body: Record<string, unknown> = { ok: true };
      if (method === 'auth.test') body = { ok: true, user_id: 'U_BOT', bot_id: 'B_BOT', team_id: 'T_BENCH' };
      else if (method === 'chat.postMessage') {
        const ts = `${1_800_000_000 + ++counter}.000000`;
        const blocks = JSON.parse(args.blocks ?? '[]') as unknown[];
        const value = approveButton(blocks)?.value;
        if (value) posts.set((JSON.parse(value) as { actionId: string }).actionId, { channel: args.channel!, ts, blocks });
        body = { ok: true, channel: args.channel, ts };
      } else if (method === 'chat.update') {
        const key = `${args.channel}:${args.ts}`;
        updates.set(key, [...(updates.get(key) ?? []), { at: Date.now(), text: args.text ?? '' }]);
      } else if (method === 'users.info') {
        body = { ok: true, user: { id: args.user, is_email_confirmed: true, profile: { email: approverEmail } } };
      } else if (method === 'users.lookupByEmail') body = { ok: false, error: 'users_not_found' };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      for (const wake of [...waiters]) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const until = <T>(find: () => T | undefined, what: string, timeoutMs = 30_000) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    posted: (actionId) => until(() => posts.get(actionId), `the approval message of ${actionId}`),
    updatedTo: (channel, ts, marker) => until(() => updates.get(`${channel}:${ts}`)?.find((u) => u.text.startsWith(marker))?.at, `an update to "${marker}"`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
