import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Slack account as users.info / users.lookupByEmail describe it. */
export interface FakeSlackUser {
  id: string;
  name: string;
  email?: string;
  /** Slack's `is_email_confirmed`; true unless said otherwise. */
  emailConfirmed?: boolean;
  deleted?: boolean;
  isBot?: boolean;
}

export interface RecordedCall {
  method: string;
  /** Form fields, with JSON-valued ones (blocks, view) parsed. */
  args: Record<string, unknown>;
  response: Record<string, unknown>;
  at: number;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Block[];
  /** chat.postMessage's `metadata` ({ event_type, event_payload }), returned by conversations.history with include_all_metadata. */
  metadata?: unknown;
  /** Every version, first the posted one, then each chat.update. */
  versions: { text: string; blocks: Block[] }[];
}

export type Block = Record<string, unknown> & { type: string };

/** How a call fails instead of being answered: an HTTP status (500, 429 with Retry-After), or Slack's `{ ok: false, error }`. */
export type FakeFailure = { status: number; retryAfterSeconds?: number } | { error: string };

interface FakeReply {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

const JSON_FIELDS = new Set(['blocks', 'view', 'attachments', 'metadata']);

/**
 * Slack's Web API on loopback: records every call and answers the way Slack does
 * for the methods the app uses. Waiters resolve on recorded calls, so tests
 * never sleep for a fixed time.
 */
export class FakeSlackApi {
  private readonly recorded: RecordedCall[] = [];
  private readonly messages = new Map<string, PostedMessage>();
  private readonly users = new Map<string, FakeSlackUser>();
  private readonly waiters = new Set<() => void>();
  private readonly failures: { method: string; failure: FakeFailure; remaining: number; when: (args: Record<string, unknown>) => boolean }[] = [];
  private readonly holds: { method: string; remaining: number; when: (args: Record<string, unknown>) => boolean; released: Promise<void> }[] = [];
  private counter = 0;
  /** The last message timestamp handed out, in microseconds. */
  private lastTsMicros = 0;

  private constructor(
    private readonly server: Server,
    private readonly token: string,
    users: FakeSlackUser[],
  ) {
    for (const user of users) this.users.set(user.id, user);
  }

  static async start(options: { token: string; users: FakeSlackUser[] }): Promise<FakeSlackApi> {
    const server = createServer();
    const api = new FakeSlackApi(server, options.token, options.users);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void api.handle(req).then(({ status, headers, body }) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  /** The Web API base URL for the app's `SLACK_API_URL`. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
  }

  /**
   * The next `times` calls of `method` whose arguments match `when` fail as given instead of being
   * answered (recorded all the same, with the failure as their response); `Infinity` until `heal`.
   */
  failNext(method: string, failure: FakeFailure, options: { times?: number; when?: (args: Record<string, unknown>) => boolean } = {}): void {
    this.failures.push({ method, failure, remaining: options.times ?? 1, when: options.when ?? (() => true) });
  }

  /**
   * The next call of `method` matching `when` is carried out (a post is stored and recorded as answered)
   * but its HTTP answer is held until `release`: the caller has been accepted and does not know it yet.
   */
  holdNextAnswer(method: string, when: (args: Record<string, unknown>) => boolean = () => true): { release: () => void } {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ method, remaining: 1, when, released });
    return { release };
  }

  /** A Slack account users.info and users.lookupByEmail know from now on. */
  addUser(user: FakeSlackUser): void {
    this.users.set(user.id, user);
  }

  /** Calls of `method` are answered again. */
  heal(method: string): void {
    for (const failing of this.failures) if (failing.method === method) failing.remaining = 0;
  }

  calls(method?: string): RecordedCall[] {
    return this.recorded.filter((c) => method === undefined || c.method === method);
  }

  message(channel: string, ts: string): PostedMessage | undefined {
    return this.messages.get(`${channel}:${ts}`);
  }

  /** The first call (already made or still to come) of `method` that matches. */
  waitForCall(method: string, matches: (call: RecordedCall) => boolean = () => true, timeoutMs = 20_000): Promise<RecordedCall> {
    return this.waitUntil(`a ${method} call`, () => this.calls(method).find(matches), timeoutMs);
  }

  /** Resolves once the message (as posted and updated so far) satisfies `matches`. */
  waitForMessage(channel: string, ts: string, matches: (message: PostedMessage) => boolean, timeoutMs = 20_000): Promise<PostedMessage> {
    return this.waitUntil(
      `message ${channel}/${ts} to match`,
      () => {
        const message = this.message(channel, ts);
        return message && matches(message) ? message : undefined;
      },
      timeoutMs,
      () => JSON.stringify(this.message(channel, ts)?.blocks ?? null),
    );
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private waitUntil<T>(what: string, find: () => T | undefined, timeoutMs: number, describe?: () => string): Promise<T> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = find();
        if (value === undefined) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake Slack API: timed out waiting for ${what}${describe ? `; last: ${describe()}` : ''}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  private async handle(req: IncomingMessage): Promise<FakeReply> {
    const method = new URL(req.url ?? '/', 'http://fake').pathname.replace(/^\/api\//, '');
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const args: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
      args[key] = JSON_FIELDS.has(key) ? (JSON.parse(value) as unknown) : value;
    }
    const failing = this.failures.find((f) => f.method === method && f.remaining > 0 && f.when(args));
    let reply: FakeReply;
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      reply = { status: 200, headers: {}, body: { ok: false, error: 'invalid_auth' } };
    } else if (failing) {
      failing.remaining -= 1;
      const { failure } = failing;
      reply =
        'error' in failure
          ? { status: 200, headers: {}, body: { ok: false, error: failure.error } }
          : {
              status: failure.status,
              headers: failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {},
              body: { ok: false, error: failure.status === 429 ? 'ratelimited' : 'internal_error' },
            };
    } else {
      reply = { status: 200, headers: {}, body: this.answer(method, args) };
    }
    this.recorded.push({ method, args, response: { ...reply.body, ...(reply.status !== 200 ? { httpStatus: reply.status } : {}) }, at: Date.now() });
    for (const waiter of [...this.waiters]) waiter();
    const hold = this.holds.find((h) => h.method === method && h.remaining > 0 && h.when(args));
    if (hold) {
      hold.remaining -= 1;
      await hold.released;
    }
    return reply;
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const text = typeof args.text === 'string' ? args.text : '';
    const blocks = Array.isArray(args.blocks) ? (args.blocks as Block[]) : [];
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://airlock-test.slack.test/', team: 'Airlock Test', user: 'airlock', team_id: 'T_TEST', user_id: 'U_BOT', bot_id: 'B_BOT' };
      case 'chat.postMessage': {
        const target = String(args.channel);
        // Posting to a user id opens (or reuses) the DM with them.
        const channel = /^[UW]/.test(target) ? `D${target.slice(1)}` : target;
        const ts = this.nextTs();
        const metadata = args.metadata;
        this.messages.set(`${channel}:${ts}`, { channel, ts, text, blocks, versions: [{ text, blocks }], ...(metadata !== undefined ? { metadata } : {}) });
        return { ok: true, channel, ts, message: { type: 'message', text, blocks, bot_id: 'B_BOT', ts } };
      }
      case 'chat.update': {
        const channel = String(args.channel);
        const ts = String(args.ts);
        const message = this.messages.get(`${channel}:${ts}`);
        if (!message) return { ok: false, error: 'message_not_found' };
        Object.assign(message, { text, blocks });
        message.versions.push({ text, blocks });
        return { ok: true, channel, ts, text };
      }
      case 'conversations.open': {
        // The bot's DM with one user (docs.slack.dev conversations.open: `users`, one id for a 1:1 DM).
        const user = typeof args.users === 'string' ? args.users : '';
        return /^[UW][A-Z0-9_]+$/.test(user) ? { ok: true, channel: { id: `D${user.slice(1)}` } } : { ok: false, error: 'user_not_found' };
      }
      case 'conversations.history':
        return this.history(args);
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${1_800_000_000 + ++this.counter}.000000` };
      case 'views.open':
        return { ok: true, view: { ...(args.view as Record<string, unknown>), id: `V${++this.counter}` } };
      case 'users.info': {
        const user = this.users.get(String(args.user));
        return user ? { ok: true, user: slackUser(user) } : { ok: false, error: 'user_not_found' };
      }
      case 'users.lookupByEmail': {
        const email = String(args.email).toLowerCase();
        const user = [...this.users.values()].find((u) => u.email?.toLowerCase() === email);
        return user ? { ok: true, user: slackUser(user) } : { ok: false, error: 'users_not_found' };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  /**
   * conversations.history as docs.slack.dev describes it: the channel's messages newest first, only
   * those after `oldest` (and at it with `inclusive`) and before `latest`, at most `limit` (default
   * 100) a page with `has_more` and `response_metadata.next_cursor`; `metadata` only with
   * `include_all_metadata`.
   */
  /** A message's timestamp as Slack makes them: when it took the message (seconds, microseconds), never twice the same. */
  private nextTs(): string {
    this.lastTsMicros = Math.max(Date.now() * 1000, this.lastTsMicros + 1);
    return `${Math.floor(this.lastTsMicros / 1e6)}.${String(this.lastTsMicros % 1e6).padStart(6, '0')}`;
  }

  private history(args: Record<string, unknown>): Record<string, unknown> {
    const channel = typeof args.channel === 'string' ? args.channel : '';
    const inclusive = args.inclusive === 'true' || args.inclusive === '1';
    const oldest = args.oldest !== undefined ? Number(args.oldest) : -Infinity;
    const latest = args.latest !== undefined ? Number(args.latest) : Infinity;
    const withMetadata = args.include_all_metadata === 'true' || args.include_all_metadata === '1';
    const limit = Math.min(Number(args.limit ?? 100) || 100, 999);
    const offset = Number(args.cursor ?? 0) || 0;
    const inRange = [...this.messages.values()]
      .filter((m) => m.channel === channel)
      .filter((m) => {
        const at = Number(m.ts);
        return (inclusive ? at >= oldest : at > oldest) && (inclusive ? at <= latest : at < latest);
      })
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    const page = inRange.slice(offset, offset + limit);
    const hasMore = offset + limit < inRange.length;
    return {
      ok: true,
      messages: page.map((m) => ({
        type: 'message',
        ts: m.ts,
        text: m.text,
        blocks: m.blocks,
        bot_id: 'B_BOT',
        ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}),
      })),
      has_more: hasMore,
      response_metadata: { next_cursor: hasMore ? String(offset + limit) : '' },
    };
  }
}

function slackUser(user: FakeSlackUser): Record<string, unknown> {
  return {
    id: user.id,
    team_id: 'T_TEST',
    name: user.name,
    deleted: user.deleted ?? false,
    is_bot: user.isBot ?? false,
    is_email_confirmed: user.emailConfirmed ?? true,
    profile: { real_name: user.name, display_name: user.name, ...(user.email ? { email: user.email } : {}) },
  };
}
