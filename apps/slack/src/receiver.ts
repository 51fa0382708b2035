import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPReceiver, verifySlackRequest, type BufferedIncomingMessage, type HTTPReceiverOptions } from '@slack/bolt';

/** Slack's window: a request whose timestamp is further than this from now is refused. */
export const REQUEST_WINDOW_SECONDS = 5 * 60;

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * How long a request's body is remembered after its timestamp: Slack sends a request it got no
 * answer to again, freshly signed, for a few minutes (`X-Slack-Retry-Num`).
 */
export const RETRY_WINDOW_SECONDS = 2 * REQUEST_WINDOW_SECONDS;
/**
 * How long after its first delivery a retry of a body not yet acted on is taken to overlap that delivery:
 * answered 503, not acted on, so Slack sends it again later (its retries come about 3 s, 1 minute and
 * 5 minutes after the first). 45 s covers the part of a live click where a second delivery would race it,
 * up to its decision (the lookups, the post wait of 2 s, the decision wait of 20 s), and ends before Slack's
 * second retry, which is then acted on if the first never finished. A first delivery still running at a
 * minute is past its decision (the workflow refuses the retry's duplicate and the clicker is told nothing)
 * or stuck on a Slack call before it (then both may act; the workflow still records one decision). A longer
 * mark would leave a click whose process died to the 5-minute retry alone, Slack's last.
 */
export const IN_FLIGHT_MS = 45_000;

/** The verdict of a retry inside IN_FLIGHT_MS of the first delivery of its body. */
export const STILL_IN_FLIGHT = 'a retry of a request still being acted on';

/**
 * `retry`: Slack sent this body before (with another signature, `X-Slack-Retry-Num`). Admitted when
 * the first delivery was not acted on (the process died, or the ack was lost, before its listener
 * finished) and is not still in flight (STILL_IN_FLIGHT: answered 503, so Slack tries again later);
 * answered 200 and not acted on again when it was acted on.
 */
export type RequestVerdict = { ok: true; retry?: true } | { ok: false; reason: string; retry?: true };

export interface SeenEntry {
  key: string;
  expiresAtMs: number;
}

/** Where accepted requests are remembered until their window closes. */
export interface SeenRequests {
  /** Records each key until its expiry; returns the keys that were not recorded before (the others are repeats). */
  remember(entries: readonly SeenEntry[], nowMs: number): Promise<Set<string>>;
  /** Whether the key is recorded and not expired. */
  has(key: string, nowMs: number): Promise<boolean>;
}

/** One process's memory: enough for a single replica and for tests. */
export class MemorySeenRequests implements SeenRequests {
  private readonly seen = new Map<string, number>();

  async remember(entries: readonly SeenEntry[], nowMs: number): Promise<Set<string>> {
    for (const [seenKey, expiresAt] of this.seen) if (expiresAt <= nowMs) this.seen.delete(seenKey);
    const fresh = new Set<string>();
    for (const { key, expiresAtMs } of entries) {
      if (this.seen.has(key)) continue;
      this.seen.set(key, expiresAtMs);
      fresh.add(key);
    }
    return fresh;
  }

  async has(key: string, nowMs: number): Promise<boolean> {
    return (this.seen.get(key) ?? 0) > nowMs;
  }

  get size(): number {
    return this.seen.size;
  }
}

/**
 * Refuses a captured request sent twice: signature, a symmetric timestamp window,
 * then "seen before?" for as long as the timestamp is inside the window. A body
 * seen before under another signature is Slack retrying a request it got no answer
 * to: admitted again unless the first delivery was acted on (`acted`, once its
 * listener finished), so a click the first delivery never got to is not lost, and
 * one it did is not decided twice. With a shared store (PostgreSQL) the guard holds
 * across every replica of the app.
 */
export class ReplayGuard {
  constructor(
    private readonly signingSecret: string,
    private readonly seen: SeenRequests = new MemorySeenRequests(),
    private readonly now: () => number = Date.now,
  ) {}

  /** Signature, symmetric timestamp window, then replay; only a verified request is remembered. */
  async admit(headers: IncomingMessage['headers'], rawBody: string): Promise<RequestVerdict> {
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
    const requestKey = `${timestamp}:${signature}`;
    const bodyKey = `body:${bodyHash(rawBody)}`;
    const fresh = await this.seen.remember(
      [
        { key: requestKey, expiresAtMs: (seconds + REQUEST_WINDOW_SECONDS + 1) * 1000 },
        { key: bodyKey, expiresAtMs: (seconds + RETRY_WINDOW_SECONDS + 1) * 1000 },
        // Expires long before the body key, so it is never left over when a body is new.
        { key: inFlightKey(rawBody), expiresAtMs: nowMs + IN_FLIGHT_MS },
      ],
      nowMs,
    );
    if (!fresh.has(requestKey)) return { ok: false, reason: 'replayed request' };
    if (fresh.has(bodyKey)) return { ok: true };
    // The body key alone says only that the first delivery arrived: a process that died (or an ack that was
    // lost) right after this insert left it behind with nothing done. Only a finished listener marks it acted.
    if (await this.seen.has(actedKey(rawBody), nowMs)) return { ok: false, reason: 'a retry of a request already acted on', retry: true };
    // Slack retries 3 s after a slow answer: its first delivery is likely still running (a decision takes
    // seconds). Acting on both would race (the second could read the round before the first's decision is
    // written and tell the clicker theirs "was not recorded"); past IN_FLIGHT_MS the first is taken for dead.
    // (A retry whose own insert of the mark went in is the delivery in flight now.)
    if (!fresh.has(inFlightKey(rawBody)) && (await this.seen.has(inFlightKey(rawBody), nowMs))) {
      return { ok: false, reason: STILL_IN_FLIGHT, retry: true };
    }
    return { ok: true, retry: true };
  }

  /** Records that a listener finished with this body: a retry of it is answered 200 and not acted on again. */
  async acted(headers: IncomingMessage['headers'], rawBody: string): Promise<void> {
    const seconds = Number(headers['x-slack-request-timestamp']);
    await this.seen.remember([{ key: actedKey(rawBody), expiresAtMs: (seconds + RETRY_WINDOW_SECONDS + 1) * 1000 }], this.now());
  }
}

function bodyHash(rawBody: string): string {
  return createHash('sha256').update(rawBody).digest('hex');
}

function actedKey(rawBody: string): string {
  return `acted:${bodyHash(rawBody)}`;
}

function inFlightKey(rawBody: string): string {
  return `inflight:${bodyHash(rawBody)}`;
}

/**
 * What the receiver puts in a request's Bolt context (`context.delivery`): the global middleware
 * calls `acted()` once every listener of the request has finished without an error.
 */
export interface Delivery {
  /** Slack sent this body before, and the first delivery was not acted on. */
  retry: boolean;
  acted(): Promise<void>;
}

/** Where the receiver leaves the request's delivery for `customPropertiesExtractor`. */
const DELIVERY = Symbol('airlock.slack.delivery');
type WithDelivery = IncomingMessage & { [DELIVERY]?: Delivery };

/**
 * Bolt's HTTP receiver behind a replay guard. Every POST to the events endpoint
 * is buffered and checked (signature, window, replay) before Bolt sees it; Bolt
 * then verifies the signature again and dispatches to the listeners.
 */
export class GuardedHTTPReceiver extends HTTPReceiver {
  constructor({ guard, ...options }: HTTPReceiverOptions & { signingSecret: string; endpoint: string; guard: ReplayGuard }) {
    super({
      ...options,
      endpoints: [options.endpoint],
      customPropertiesExtractor: (req) => {
        const delivery = (req as WithDelivery)[DELIVERY];
        return delivery ? { delivery } : {};
      },
    });
    const dispatch = this.requestListener;
    const logger = options.logger;
    this.requestListener = (req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method?.toUpperCase() !== 'POST' || path !== options.endpoint) {
        dispatch(req, res);
        return;
      }
      void readBody(req)
        .then(async (rawBody) => {
          const verdict = await guard.admit(req.headers, rawBody.toString('utf8'));
          if (!verdict.ok && verdict.retry) {
            const retryNum = String(req.headers['x-slack-retry-num'] ?? 'none');
            if (verdict.reason === STILL_IN_FLIGHT) {
              // Not a 2xx (which ends Slack's retries) and no X-Slack-No-Retry: if the first delivery dies before
              // acting, Slack's next retry is the one acted on; if it finishes, that retry is answered 200 below.
              logger?.info(`answered 503 to ${verdict.reason}, so Slack sends it again later (X-Slack-Retry-Num: ${retryNum})`);
              reply(res, 503);
              return;
            }
            // 200, so Slack stops retrying: a delivery acted on it (and answered the clicker).
            logger?.info(`ignored ${verdict.reason} (X-Slack-Retry-Num: ${retryNum})`);
            reply(res, 200);
            return;
          }
          if (!verdict.ok) {
            logger?.warn(`refused a request: ${verdict.reason}`);
            reply(res, 401);
            return;
          }
          if (verdict.retry) logger?.info(`acting on a retry of a request not acted on before (X-Slack-Retry-Num: ${String(req.headers['x-slack-retry-num'] ?? 'none')})`);
          const text = rawBody.toString('utf8');
          (req as WithDelivery)[DELIVERY] = { retry: verdict.retry === true, acted: () => guard.acted(req.headers, text) };
          // Bolt reuses an already-buffered body instead of reading the stream again.
          (req as BufferedIncomingMessage).rawBody = rawBody;
          dispatch(req, res);
        })
        .catch((error: unknown) => {
          const tooLarge = error instanceof BodyTooLarge;
          logger?.warn(`could not ${tooLarge ? 'read' : 'check'} a request: ${error instanceof Error ? error.message : String(error)}`);
          // Nothing is dispatched unless the guard answered: a store outage refuses (Slack retries), never lets a replay through.
          reply(res, tooLarge ? 413 : 503);
        });
    };
  }
}

class BodyTooLarge extends Error {}

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
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
