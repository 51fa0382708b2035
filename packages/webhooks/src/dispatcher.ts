import http from 'node:http';
import https from 'node:https';
import { appendAuditIn, inTransaction, WakeUp, type Db } from '@airlock/db';
import type pg from 'pg';
import { deriveDeliveries } from './outbox.js';
import { duration, RETRY_AFTER_OUTCOME, retryWait, type RetryWait } from './retry-after.js';
import { signedHeaders } from './signing.js';
import { pinnedLookup, vetTarget, type HostResolver } from './target.js';

export interface DispatcherLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface RetryPolicy {
  /** Delay before the second attempt; each later one doubles it (with ±20% jitter). */
  baseDelayMs: number;
  /** The longest scheduled wait, and the most a receiver's `Retry-After` can make one wait (retry-after.ts). */
  maxDelayMs: number;
  /** After this many failed attempts the delivery is `failed` (a replay sends it again); a 410 Gone ends it at once. */
  maxAttempts: number;
}

/**
 * Standard Webhooks' suggested schedule, roughly: seconds, then minutes, then hours, for about a day.
 * 18 attempts: the doubling from 5 s reaches the 4 h cap at the 13th wait, and the last attempt
 * comes about 25.7 h after the first (12 stopped at 2.8 h, before the cap was ever used).
 */
export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 5_000, maxDelayMs: 4 * 3_600_000, maxAttempts: 18 };

/** The delay after the n-th failed attempt, before jitter: base × 2^(n−1), capped. */
export function retryDelayMs(policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, attempts: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
}

export interface DispatcherOptions {
  db: Db;
  logger: DispatcherLogger;
  /** Loopback receivers (tests, one-machine set-ups); every other private address is always refused. */
  allowLoopback: boolean;
  retry?: Partial<RetryPolicy>;
  /** How often to look for new audit rows and due deliveries. */
  pollIntervalMs?: number;
  /** One attempt's limit, connect to last byte. */
  requestTimeoutMs?: number;
  /**
   * How many attempts this worker has in flight at once: its slots. Each slot claims its next delivery as soon as its
   * attempt ends, never waiting for the others. Default 8.
   */
  concurrency?: number;
  /**
   * How many of this worker's slots one webhook may hold at once. A receiver that takes requests and never answers
   * holds each slot it gets for the whole request timeout: bounded, it holds this many, and every other webhook's
   * deliveries go out on the other slots, whoever's are older. Default 2: a busy receiver still gets two requests at a
   * time, and a stalled one a quarter of the default slots.
   */
  perWebhookConcurrency?: number;
  /**
   * How long past its lease a removed webhook's delivery whose attempt went out and never recorded its answer waits
   * for it (the attempt's worker paused or starved, or dead), before it is cancelled with its answer unknown. Default:
   * ten leases (5 min at the default request timeout).
   */
  answerGraceMs?: number;
  resolve?: HostResolver;
}

interface ClaimedDelivery {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  payload: unknown;
  attempts: number;
  url: string;
  secret: string;
}

interface CancelledDelivery {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  /** Its last attempt went out and its answer was never recorded (the lease ran out, and the grace after it). */
  answer_unknown: boolean;
}

/** How a delivery cancelled with its answer unknown starts its last error; an answer that comes later replaces it once. */
const ANSWER_UNKNOWN = 'answer unknown:';

/**
 * A delivery a stop gave back after its request had gone out (attempt()): the attempt is not counted, the lease is kept,
 * and it is due at that attempt's start (`last_attempt_at`), which nothing else writes: a claim makes it due at its
 * lease's end, an answer clears the lease.
 */
const GIVEN_BACK_AFTER_SENDING = 'd.leased_until IS NOT NULL AND d.next_attempt_at = d.last_attempt_at';

/** What a delivery's audit row (failed, cancelled) says of it: which webhook, event and delivery, and its last answer. */
function deliveryAuditPayload(
  delivery: Pick<ClaimedDelivery, 'id' | 'subscription_id' | 'event_id' | 'event_type' | 'attempts'>,
  lastStatus: number | null,
  lastError: string | null,
) {
  return {
    webhookId: delivery.subscription_id,
    deliveryId: delivery.id,
    eventId: delivery.event_id,
    eventType: delivery.event_type,
    attempts: delivery.attempts,
    lastStatus,
    lastError,
  };
}

export interface AttemptResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  /** The answer's `Retry-After` header, as sent. */
  retryAfter?: string;
  /** With no answer: whether the request had gone out whole (its body written), so the receiver may have taken it. */
  requestSent?: boolean;
}

/**
 * Delivers the outbox at least once: derives deliveries from the audit log,
 * claims due ones with a lease (SKIP LOCKED, so several workers share the work),
 * signs each attempt (Standard Webhooks) and records the answer. A failure is
 * retried with exponential backoff; a worker that dies mid-attempt leaves the
 * lease to run out, and another attempt follows.
 *
 * Attempts run in independent slots (`concurrency`): a slot claims one due delivery, attempts it, and claims the next
 * as soon as it is done, and a claim starts another slot while one is free. One webhook holds at most
 * `perWebhookConcurrency` of them, so a receiver that never answers delays nobody else's deliveries (it used to take
 * every slot with its overdue retries, which sort first, and hold the whole batch for the request timeout).
 */
export class WebhookDispatcher {
  private readonly retry: RetryPolicy;
  private readonly concurrency: number;
  private readonly perWebhook: number;
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly wakeUp = new WakeUp();
  private readonly inFlight = new AbortController();
  /** The slots at work; each settles once it finds nothing due (or the dispatcher stops), never rejecting. */
  private readonly slots = new Set<Promise<void>>();
  /** This worker's attempts in flight per webhook: a claim passes over a webhook holding its share of the slots. */
  private readonly attemptsPerWebhook = new Map<string, number>();
  /** Claims go one at a time (each with the cancel before it), so each sees the shares the one before took. */
  private claimTurn: Promise<unknown> = Promise.resolve();
  /** Whether the next claim first cancels what removed webhooks still have pending: at each pass, and after each attempt. */
  private cancelDue = true;
  private attemptsMade = 0;

  constructor(private readonly options: DispatcherOptions) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.perWebhook = Math.max(1, options.perWebhookConcurrency ?? 2);
  }

  start(): void {
    this.running ??= this.loop();
  }

  /**
   * Stops claiming, cuts off the attempts in flight (each gives its attempt back, uncounted) and resolves once every one
   * of them has written that: the caller may close the database pool next.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.inFlight.abort();
    this.wakeUp.wake();
    await this.running;
    await this.slotsSettled();
  }

  /**
   * One pass: queue what the audit log added, then attempt every due delivery (again, if it falls due again meanwhile)
   * and wait for every attempt in flight. Returns attempts made meanwhile. A slot's error (the database's) ends that
   * slot, not the others: the pass rejects with it once they are all done.
   */
  async runOnce(): Promise<number> {
    while ((await deriveDeliveries(this.options.db)) >= 500 && !this.stopped);
    const before = this.attemptsMade;
    const failures: unknown[] = [];
    this.cancelDue = true;
    this.startSlot((error) => failures.push(error));
    await this.slotsSettled();
    if (failures.length > 0) throw failures[0];
    return this.attemptsMade - before;
  }

  private async loop(): Promise<void> {
    const warn = (error: unknown) => {
      if (!this.stopped) this.options.logger.warn(`webhooks: ${error instanceof Error ? error.message : String(error)}; retrying`);
    };
    while (!this.stopped) {
      try {
        while ((await deriveDeliveries(this.options.db)) >= 500 && !this.stopped);
      } catch (error) {
        warn(error);
      }
      // Slots at work go on past this tick: a new one looks for what fell due, even while others wait on receivers.
      this.cancelDue = true;
      this.startSlot(warn);
      await this.wakeUp.sleep(this.options.pollIntervalMs ?? 1_000, this.stopped);
    }
  }

  /** Starts a slot if one is free; `failed` hears its error (and its siblings'). */
  private startSlot(failed: (error: unknown) => void): void {
    if (this.stopped || this.slots.size >= this.concurrency) return;
    const slot: Promise<void> = this.work(failed)
      .catch(failed)
      .finally(() => this.slots.delete(slot));
    this.slots.add(slot);
  }

  /** Until every slot has settled, those started meanwhile included. */
  private async slotsSettled(): Promise<void> {
    while (this.slots.size > 0) await Promise.all([...this.slots]);
  }

  /** One slot: claims a due delivery and attempts it, and again, until nothing is due that it may take. */
  private async work(failed: (error: unknown) => void): Promise<void> {
    while (!this.stopped) {
      const delivery = await this.claimNext();
      if (!delivery) return;
      // Another slot looks for the next due delivery meanwhile (it ends at once if there is none).
      this.startSlot(failed);
      try {
        await this.attempt(delivery);
      } finally {
        const left = (this.attemptsPerWebhook.get(delivery.subscription_id) ?? 1) - 1;
        if (left > 0) this.attemptsPerWebhook.set(delivery.subscription_id, left);
        else this.attemptsPerWebhook.delete(delivery.subscription_id);
        this.attemptsMade += 1;
        // Its answer may be a retry of a webhook removed meanwhile: the next claim cancels it first.
        this.cancelDue = true;
      }
    }
  }

  /** The next claim, in turn: first the cancel of removed webhooks' deliveries, when one is due. */
  private claimNext(): Promise<ClaimedDelivery | undefined> {
    const turn = this.claimTurn.then(async () => {
      if (this.stopped) return undefined;
      if (this.cancelDue) {
        this.cancelDue = false;
        try {
          await this.cancelRemoved();
        } catch (error) {
          this.cancelDue = true;
          throw error;
        }
      }
      const delivery = await this.claim();
      if (delivery) this.attemptsPerWebhook.set(delivery.subscription_id, (this.attemptsPerWebhook.get(delivery.subscription_id) ?? 0) + 1);
      return delivery;
    });
    this.claimTurn = turn.catch(() => undefined);
    return turn;
  }

  /** The lease outlasts one attempt (three request timeouts, name resolution included). */
  private get leaseMs(): number {
    return (this.options.requestTimeoutMs ?? 10_000) * 3;
  }

  /** The oldest due delivery of a webhook not holding its share of this worker's slots, leased to this attempt. */
  private async claim(): Promise<ClaimedDelivery | undefined> {
    // Until the lease runs out no other worker takes the delivery, and a removal of its webhook leaves it to this
    // attempt (which may already be on the wire) and counts it as in flight instead of cancelling it.
    const { leaseMs } = this;
    const atTheirShare = [...this.attemptsPerWebhook].filter(([, attempts]) => attempts >= this.perWebhook).map(([webhookId]) => webhookId);
    // A removed webhook's deliveries are never claimed: what is pending of them is cancelled by cancelRemoved().
    const { rows } = await this.options.db.pool.query<ClaimedDelivery>(
      `WITH due AS (
         SELECT d.id
         FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND s.removed_at IS NULL AND d.subscription_id <> ALL($1::text[])
         ORDER BY d.next_attempt_at ASC LIMIT 1 FOR UPDATE OF d SKIP LOCKED
       )
       UPDATE webhook_deliveries d
       SET attempts = d.attempts + 1, last_attempt_at = now(),
           next_attempt_at = now() + make_interval(secs => $2::double precision / 1000),
           leased_until = now() + make_interval(secs => $2::double precision / 1000)
       FROM due, webhook_subscriptions s
       WHERE d.id = due.id AND s.id = d.subscription_id
       RETURNING d.id, d.subscription_id, d.event_id, d.event_type, d.payload, d.attempts, s.url, s.secret`,
      [atTheirShare, leaseMs],
    );
    return rows[0];
  }

  /**
   * Cancels what is still pending of removed webhooks and no attempt holds: a retry that an attempt in flight at the
   * removal led to (the removal counted it in flight, not cancelled), or a delivery a path that skipped the
   * subscription's lock queued after the removal. The removal's audit row did not count these as cancelled, so each
   * cancel is audited (webhook.delivery_cancelled) in the transaction that makes it.
   *
   * A delivery whose lease ran out with its attempt's answer unrecorded (`leased_until` set and past: answers clear it)
   * is not unheld: that attempt went out, the receiver may have taken it, and its worker may only be slow to say so
   * (paused, its pool starved). So is one a stopped worker gave back after its request went out (it keeps the lease,
   * and its count gets that attempt back here). It is left to that worker for `answerGraceMs` past the lease; then it
   * is cancelled with its answer unknown (`answerUnknown: true` in the audit row, `answer unknown: …` as its last error, the log says
   * the receiver may have taken it), and an answer that still comes later is recorded on the row (recordLateAnswer).
   *
   * Runs before every claim, and almost always finds nothing: a plain read looks first, and only what it finds opens a
   * transaction, which checks each delivery again under its row lock (another dispatcher's cancel holds the lock, so
   * SKIP LOCKED passes it by, or has committed, so it is no longer pending): each is cancelled and audited once.
   */
  private async cancelRemoved(): Promise<void> {
    const graceMs = this.options.answerGraceMs ?? this.leaseMs * 10;
    // Per removed webhook, an index probe (subscription_id, status): never a scan of every pending delivery, which a
    // live receiver that is down can make many. The LIMIT bounds one transaction (the next look takes the rest) and
    // keeps the lateral subquery from being flattened into a join that the planner serves by reading all pending rows.
    const { rows: found } = await this.options.db.pool.query<{ id: string }>(
      `SELECT pending.id
       FROM webhook_subscriptions s
       CROSS JOIN LATERAL (
         SELECT d.id FROM webhook_deliveries d
         WHERE d.subscription_id = s.id AND d.status = 'pending'
           AND (d.leased_until IS NULL OR d.leased_until <= now() - make_interval(secs => $1::double precision / 1000))
         LIMIT 500
       ) pending
       WHERE s.removed_at IS NOT NULL`,
      [graceMs],
    );
    if (found.length === 0) return;
    const cancelled = await inTransaction(this.options.db, async (client) => {
      // The answer of an attempt that never recorded it is unknown: the row says so instead of the attempt before's.
      const { rows } = await client.query<CancelledDelivery>(
        `WITH gone AS (
           SELECT d.id, d.leased_until IS NOT NULL AS answer_unknown, ${GIVEN_BACK_AFTER_SENDING} AS given_back
           FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
           WHERE d.id = ANY($1::text[]) AND d.status = 'pending' AND s.removed_at IS NOT NULL
             AND (d.leased_until IS NULL OR d.leased_until <= now() - make_interval(secs => $2::double precision / 1000))
           FOR UPDATE OF d SKIP LOCKED
         )
         UPDATE webhook_deliveries d SET status = 'cancelled', leased_until = NULL,
           attempts = d.attempts + gone.given_back::int,
           last_status = CASE WHEN gone.answer_unknown THEN NULL ELSE d.last_status END,
           last_error = CASE WHEN gone.answer_unknown
             THEN format('${ANSWER_UNKNOWN} attempt %s went out and its worker had not recorded the answer %s after its lease ran out', d.attempts + gone.given_back::int, $3::text)
             ELSE d.last_error END
         FROM gone WHERE d.id = gone.id
         RETURNING d.id, d.subscription_id, d.event_id, d.event_type, d.attempts, d.last_status, d.last_error, gone.answer_unknown`,
        [found.map((row) => row.id), graceMs, duration(graceMs)],
      );
      for (const row of rows) {
        await appendAuditIn(client, {
          type: 'webhook.delivery_cancelled',
          actor: 'system:webhooks',
          eventKey: `webhook-delivery:${row.id}:cancelled`,
          payload: { ...deliveryAuditPayload(row, row.last_status, row.last_error), answerUnknown: row.answer_unknown },
        });
      }
      return rows;
    });
    for (const row of cancelled) {
      const attempts = `${row.attempts} ${row.attempts === 1 ? 'attempt' : 'attempts'}`;
      this.options.logger.warn(
        row.answer_unknown
          ? `webhooks: cancelled delivery ${row.id} (${row.event_id}) with its answer unknown: webhook ${row.subscription_id} was removed, and attempt ${row.attempts} went out but its worker had not recorded the answer ${duration(graceMs)} after its lease ran out: the receiver may have taken it`
          : `webhooks: cancelled delivery ${row.id} (${row.event_id}): webhook ${row.subscription_id} was removed${row.attempts > 0 ? ` while an attempt was in flight, after ${attempts}` : ' after it was queued'}`,
      );
    }
  }

  /**
   * An attempt whose answer came after its delivery was cancelled with its answer unknown (cancelRemoved): the answer is
   * written on the row once (its status, `delivered_at` on a 2xx, and a last error saying it came late) and logged; the
   * status stays `cancelled`, as audited. Any other late answer (its lease ran out and another attempt took the
   * delivery, or a stop gave it back) is left out, as before: the delivery's newer attempt speaks for it.
   */
  private async recordLateAnswer(delivery: ClaimedDelivery, result: AttemptResult): Promise<void> {
    const answer = result.ok ? `HTTP ${result.status}, the receiver took it` : (result.error ?? 'no answer');
    const { rowCount } = await this.options.db.pool.query(
      `UPDATE webhook_deliveries SET last_status = $3, last_error = $4, delivered_at = CASE WHEN $5::boolean THEN now() ELSE delivered_at END
       WHERE id = $1 AND attempts = $2 AND status = 'cancelled' AND last_status IS NULL AND starts_with(last_error, $6)`,
      [delivery.id, delivery.attempts, result.status, `cancelled with its answer unknown; the answer came later: ${answer}`, result.ok, ANSWER_UNKNOWN],
    );
    if (rowCount === 1)
      this.options.logger.warn(
        `webhooks: delivery ${delivery.id} (${delivery.event_id}) to removed webhook ${delivery.subscription_id} was cancelled with its answer unknown; attempt ${delivery.attempts}'s answer came later: ${answer}. Recorded on the delivery; it stays cancelled`,
      );
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const result = await this.send(delivery);
    const { pool } = this.options.db;
    if (result.status === null && this.inFlight.signal.aborted) {
      // Cut off by stop() (a restart), not failed by the receiver: the attempt is given back and the delivery is due
      // at once for the next worker, so a restart never spends a retry, nor the last one (which would give up).
      // A request that had gone out may have reached the receiver: the delivery keeps its lease (claims ignore it), so
      // a removal before the next attempt counts it in flight, and cancelRemoved() ends it with its answer unknown
      // past the grace, counting the attempt again, never as unsent (GIVEN_BACK_AFTER_SENDING). Its webhook already
      // removed, no next attempt will be made: the attempt stays counted under its lease, for the same end. A request
      // that never left is given back unleased, its webhook removed or not: a removal, or cancelRemoved(), cancels it
      // as never sent, which is what it is.
      await pool.query(
        `UPDATE webhook_deliveries d SET attempts = attempts - 1,
           next_attempt_at = CASE WHEN $3::boolean THEN last_attempt_at ELSE now() END,
           leased_until = CASE WHEN $3::boolean THEN leased_until ELSE NULL END
         WHERE id = $1 AND attempts = $2 AND status = 'pending'
           AND (NOT $3::boolean OR EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.id = d.subscription_id AND s.removed_at IS NULL))`,
        [delivery.id, delivery.attempts, result.requestSent === true],
      );
      return;
    }
    // `attempts = $n`: an attempt whose lease ran out (and was retried elsewhere) records nothing. `status = 'pending'` holds
    // for an attempt whose webhook was removed meanwhile too (a removal leaves deliveries an attempt went out for and has
    // not answered to that attempt, and cancelRemoved() waits answerGraceMs past the lease for it): the log keeps what the
    // receiver answered, and a retry it would lead to is cancelled by the next cancelRemoved(). An answer later still,
    // after that cancel, is recorded by recordLateAnswer().
    if (result.ok) {
      const { rowCount } = await pool.query(
        `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), last_status = $3, last_error = NULL, leased_until = NULL
         WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
        [delivery.id, delivery.attempts, result.status],
      );
      if (rowCount !== 1) await this.recordLateAnswer(delivery, result);
      return;
    }
    // 410 Gone is the receiver saying this URL is gone for good: retrying it for a day helps nobody. The delivery
    // ends now; the subscription stays (removal is for an admin: it cannot be undone, and a replay needs it), so the
    // next event is still offered once, and ends the same way if the URL is still gone.
    const gaveUp = delivery.attempts >= this.retry.maxAttempts || result.status === 410;
    // The wait is reckoned by the database's clock, as every due time is (the claim's now()): a Retry-After date too,
    // so a worker's clock skewed against the database's does not shift it. With a date, the wait is the latest of the
    // schedule's and the date, at most the cap; the note saying which (retryWait's words) is written in the same
    // statement, from the same clock. Without one, least() gets -infinity and the wait is the schedule's (or the
    // seconds' Retry-After retryWait chose).
    const record = (client: pg.PoolClient | pg.Pool, error: string | null, wait: RetryWait) =>
      client.query(
        `UPDATE webhook_deliveries SET status = $3, last_status = $4, leased_until = NULL,
           next_attempt_at = greatest(now() + make_interval(secs => $6::double precision / 1000),
             least(coalesce($7::timestamptz, '-infinity'), now() + make_interval(secs => $8::double precision / 1000))),
           last_error = CASE WHEN $7::timestamptz IS NULL THEN $5::text
             ELSE format('%s; Retry-After %s (%s s): %s', $5::text, $9::text, greatest(0, ceil(extract(epoch FROM $7::timestamptz - now())))::bigint,
               CASE WHEN $7::timestamptz <= now() + make_interval(secs => $6::double precision / 1000) THEN $10::text
                    WHEN $7::timestamptz > now() + make_interval(secs => $8::double precision / 1000) THEN $11::text
                    ELSE $12::text END) END
         WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
        [
          delivery.id,
          delivery.attempts,
          gaveUp ? 'failed' : 'pending',
          result.status,
          wait.note ? `${error}; ${wait.note}` : error,
          wait.ms,
          wait.notBefore?.date ?? null,
          this.retry.maxDelayMs,
          wait.notBefore?.shown ?? null,
          RETRY_AFTER_OUTCOME.scheduleLonger,
          RETRY_AFTER_OUTCOME.capped(this.retry.maxDelayMs),
          RETRY_AFTER_OUTCOME.waited,
        ],
      );
    if (!gaveUp) {
      // A 429/503's Retry-After can only lengthen the wait; what it did is kept with the error, so the log explains the delay.
      const { rowCount } = await record(pool, result.error, retryWait(this.backoffMs(delivery.attempts), result, this.retry.maxDelayMs));
      if (rowCount !== 1) await this.recordLateAnswer(delivery, result);
      return;
    }
    // Giving up is a transition operators must see: the failed status and its audit row commit together.
    const recorded = await inTransaction(this.options.db, async (client) => {
      const { rowCount } = await record(client, result.error, { ms: 0 });
      if (rowCount !== 1) return false;
      await appendAuditIn(client, {
        type: 'webhook.delivery_failed',
        actor: 'system:webhooks',
        eventKey: `webhook-delivery:${delivery.id}:failed`,
        payload: deliveryAuditPayload(delivery, result.status, result.error),
      });
      return true;
    });
    if (!recorded) return this.recordLateAnswer(delivery, result);
    // And said where operators look (the worker's log), naming the webhook, never its URL (it may carry a token).
    this.options.logger.warn(
      `webhooks: gave up on delivery ${delivery.id} (${delivery.event_id}) to webhook ${delivery.subscription_id} after ${delivery.attempts} ${delivery.attempts === 1 ? 'attempt' : 'attempts'} (${result.error ?? 'no answer'}); it is failed in the delivery log, replay it with \`airlock webhooks replay ${delivery.id}\``,
    );
  }

  /** Delay after the n-th failed attempt: base × 2^(n−1), capped, with jitter so receivers coming back are not stampeded. */
  backoffMs(attempts: number): number {
    return Math.round(retryDelayMs(this.retry, attempts) * (0.8 + Math.random() * 0.4));
  }

  private async send(delivery: ClaimedDelivery): Promise<AttemptResult> {
    // One limit for the whole attempt, name resolution included: a resolver that never answers must not hold the slot for ever.
    const signal = AbortSignal.any([this.inFlight.signal, AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000)]);
    let requestSent = false;
    try {
      const target = await untilAborted(
        vetTarget(delivery.url, { allowLoopback: this.options.allowLoopback, ...(this.options.resolve ? { resolve: this.options.resolve } : {}) }),
        signal,
      );
      const body = JSON.stringify(delivery.payload);
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'Airlock-Webhooks/1',
        // Which delivery this attempt is (the delivery log's id, what `airlock webhooks replay` takes): for a receiver's
        // support questions, not for dropping duplicates (a replay is a new delivery of the same `webhook-id`). Unsigned.
        'airlock-delivery-id': delivery.id,
        ...signedHeaders(delivery.secret, delivery.event_id, body, new Date()),
      };
      const { status, retryAfter } = await post(target.url, pinnedLookup(target.address), headers, body, signal, () => (requestSent = true));
      if (status >= 200 && status < 300) return { ok: true, status, error: null };
      // Redirects are not followed (the target could be anywhere): a 3xx is a failure the operator should see.
      if (status === 410) return { ok: false, status, error: 'HTTP 410: the receiver is gone; not retried' };
      const error = status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}`;
      return { ok: false, status, error, ...(retryAfter === undefined ? {} : { retryAfter }) };
    } catch (error) {
      return { ok: false, status: null, error: error instanceof Error ? error.message : String(error), requestSent };
    }
  }
}

/** The promise's outcome, or the signal's reason once it aborts (the work itself cannot be cancelled, only left). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', abort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/**
 * POSTs the body and settles with the answer's status (and `Retry-After`) as soon as the status line
 * and headers are in; `onSent` once the whole request is written to the connection (the receiver may take it from
 * then on). The answer's body is never read: a receiver streaming a huge or endless body neither fills memory nor
 * turns its 2xx into a timeout (and a retry of an event it already took).
 */
function post(
  url: URL,
  lookup: ReturnType<typeof pinnedLookup>,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
  onSent: () => void,
): Promise<{ status: number; retryAfter: string | undefined }> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup, agent: false, signal });
    req.on('error', reject);
    req.on('finish', onSent);
    req.on('response', (response) => {
      resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] });
      // No agent: destroying the answer closes its connection.
      response.destroy();
    });
    req.end(body);
  });
}
