import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPReceiver, verifySlackRequest, type BufferedIncomingMessage, type HTTPReceiverOptions } from '@slack/bolt';

/** Slack's window: a request whose timestamp is further than this from now is refused. */
export const REQUEST_WINDOW_SECONDS = 5 * 60;

const MAX_BODY_BYTES = 1024 * 1024;

export type RequestVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Remembers the signatures of requests already accepted, for as long as their
 * timestamp is inside the window, so a captured request cannot be sent twice.
 * Entries expire with the window, so memory stays bounded by Slack's request rate.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly signingSecret: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Signature, symmetric timestamp window, then replay; only a verified request is remembered. */
  admit(headers: IncomingMessage['headers'], rawBody: string): RequestVerdict {
    const signature = headers['x-slack-signature'];
    const timestamp = headers['x-slack-request-timestamp'];
    if (typeof signature !== 'string' || typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) {
      return { ok: false, reason: 'missing or malformed signature headers' };
    }
    const nowMs = this.now();
    const seconds = Number(timestamp);
    // Bolt refuses old timestamps; future ones are refused here too, so the window (and the seen-set) is bounded both ways.
    if (Math.abs(Math.floor(nowMs / 1000) - seconds) > REQUEST_WINDOW_SECONDS) return { ok: false, reason: 'timestamp outside the 5-minute window' };
    try {
      verifySlackRequest({
        signingSecret: this.signingSecret,
        body: rawBody,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': seconds },
        nowMilliseconds: nowMs,
      });
    } catch {
      return { ok: false, reason: 'signature mismatch' };
    }
    this.forgetExpired(nowMs);
    const key = `${timestamp}:${signature}`;
    if (this.seen.has(key)) return { ok: false, reason: 'replayed request' };
    this.seen.set(key, (seconds + REQUEST_WINDOW_SECONDS + 1) * 1000);
    return { ok: true };
  }

  get size(): number {
    return this.seen.size;
  }

  private forgetExpired(nowMs: number): void {
    // Insertion order is close to expiry order; stop at the first live entry.
    for (const [key, expiresAt] of this.seen) {
      if (expiresAt > nowMs) break;
      this.seen.delete(key);
    }
  }
}

/**
 * Bolt's HTTP receiver behind a replay guard. Every POST to the events endpoint
 * is buffered and checked (signature, window, replay) before Bolt sees it; Bolt
 * then verifies the signature again and dispatches to the listeners.
 */
export class GuardedHTTPReceiver extends HTTPReceiver {
  constructor(
    options: HTTPReceiverOptions & { signingSecret: string; endpoint: string },
    private readonly guard = new ReplayGuard(options.signingSecret),
  ) {
    super({ ...options, endpoints: [options.endpoint] });
    const dispatch = this.requestListener;
    const logger = options.logger;
    this.requestListener = (req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method?.toUpperCase() !== 'POST' || path !== options.endpoint) {
        dispatch(req, res);
        return;
      }
      void readBody(req)
        .then((rawBody) => {
          const verdict = this.guard.admit(req.headers, rawBody.toString('utf8'));
          if (!verdict.ok) {
            logger?.warn(`refused a request: ${verdict.reason}`);
            reply(res, 401);
            return;
          }
          // Bolt reuses an already-buffered body instead of reading the stream again.
          (req as BufferedIncomingMessage).rawBody = rawBody;
          dispatch(req, res);
        })
        .catch((error: unknown) => {
          logger?.warn(`could not read a request: ${error instanceof Error ? error.message : String(error)}`);
          reply(res, 413);
        });
    };
  }
}

function reply(res: ServerResponse, status: number): void {
  if (res.headersSent) return;
  res.writeHead(status);
  res.end();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
