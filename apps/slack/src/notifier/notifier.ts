import type { Db } from '@airlock/db';
import type { Logger, webApi } from '@slack/bolt';
import { isAuditEvent, parseAuditEvent, type AuditEventType } from '@airlock/core';
import type { SlackRoutes } from '../routing.js';
import type { SlackDirectory } from '../users.js';
import { syncApprovalMessages } from './approval-sync.js';
import type { Attempt, Classified, Delivery } from './attempt.js';
import { allMessagesFailed, recordOutcome, type OutcomeDeps } from './attempt-outcome.js';
import type { TailEvent } from './audit-tail.js';
import { postNotice } from './notice.js';
import { dueOwed, nextOwedAt, settleUntouched } from './owed-messages.js';
import { LostLeadError, MessagePoster } from './posting.js';

export interface NotifierDeps {
  db: Db;
  slack: webApi.WebClient;
  routes: SlackRoutes;
  consoleUrl: string;
  /** Also DM each eligible approver who has a Slack account. */
  dmAssignees: boolean;
  directory: SlackDirectory;
  logger: Logger;
  /**
   * The first wait before a message Slack failed to take (a post, an update, a notice) is tried
   * again (the tail's poll interval); it doubles up to 12 polls (attempt-outcome.ts), and is never
   * shorter than a rate limit's Retry-After.
   */
  retryDelayMs: number;
  /**
   * How long after its first failed attempt a message is given up (audited as
   * `slack.delivery_failed`) when the next attempt fails too. Default one hour.
   */
  giveUpAfterMs?: number;
  /**
   * Whether this process still leads the audit tail (AuditTail.isLeader): one that lost the lead in
   * the middle of a batch stops before its next send to Slack (LostLeadError), leaving the events to
   * the next leader. Always, without it.
   */
  leads?: () => boolean;
}

/** NotifierDeps.giveUpAfterMs's default. */
const RETRY_GIVE_UP_MS = 60 * 60_000;
/** At most this many open rounds at a (re)start, and actions with owed messages per retry pass, are attempted. */
const CATCH_UP_LIMIT = 500;
/**
 * How long the audit tail reads again the events of a delivery whose failure nothing could record (no
 * message row yet, or its owed mark's write failed): the later events wait meanwhile, so a failure that
 * does not pass holds them up this long at most, then the delivery is given up (an error line) and the
 * tail reads on. At most giveUpAfterMs.
 */
const UNRECORDED_GIVE_UP_MS = 5 * 60_000;

/** A delivery whose failure nothing could record (UNRECORDED_GIVE_UP_MS). */
interface Unrecorded {
  /** Its first such failure (ms since the epoch). */
  since: number;
  /**
   * Once given up: the last audit event it covered (seq). A failure read again for those events is
   * given up at once, so the tail moves past them; an event of the action after it starts afresh.
   */
  gaveUpThrough?: bigint;
}

/** Audit events that change what an approval message shows. */
const SHOWN_EVENTS: ReadonlySet<string> = new Set<AuditEventType>([
  'approval.opened',
  'approval.decision',
  'approval.escalated',
  'approval.approved',
  'approval.denied',
  'approval.timed_out',
  'approval.cancelled',
  'approval.edit_classified',
  'tool.started',
  'tool.succeeded',
  'tool.failed',
  'tool.cancelled',
  // A gate-only action's run: a runner of the agent claims it, the agent reports it.
  'action.authorization_claimed',
  'tool.reported',
  'action.completed',
]);

/**
 * Turns audit events into Slack messages: a round that opens is posted once per
 * target (a claim row in slack_messages: one notifier posts it), and every later
 * change re-renders the action's messages from the current state and updates
 * those whose content changed (approval-sync.ts; notices: notice.ts). A post Slack
 * took whose timestamp was never written is found again (posting.ts) rather than
 * posted twice; what Slack did not take is owed and tried again here, or given up
 * (attempt-outcome.ts).
 */
export class ApprovalNotifier {
  /**
   * When the earliest owed message is due (ms since the epoch): a hint that spares the retry pass its
   * query while nothing is owed; the rows are the record. 0 until the first pass has read them.
   */
  private nextRetryAt = 0;
  /**
   * Deliveries (kind:actionId) that failed before any row could record it (UNRECORDED_GIVE_UP_MS). Only
   * a success forgets one; a given-up one also once the tail reads past the events it covered (handle).
   */
  private readonly unrecorded = new Map<string, Unrecorded>();
  /** Open rounds whose catch-up sync failed before any row could record it: the retry pass tries them again until it goes through or is given up. */
  private readonly resyncs = new Set<string>();
  /** The last audit event whose state an attempt may have read (seq): the last batch handed to handle, or the log's end at a catch-up. */
  private readThrough = 0n;
  private readonly messages: NotifierDeps & { poster: MessagePoster };
  private readonly outcomes: OutcomeDeps;

  constructor(private readonly deps: NotifierDeps) {
    this.messages = { ...deps, poster: new MessagePoster(deps) };
    this.outcomes = { ...deps, giveUpAfterMs: deps.giveUpAfterMs ?? RETRY_GIVE_UP_MS };
  }

  /**
   * Tries again every message Slack failed to take whose wait is over (called at each pass of the
   * audit tail, and at a start): without it, a failure at an action's last event (the decision, the
   * tool's result) would leave the message showing an earlier state, buttons and all, for good, and
   * a notice would be lost. What is owed is read from slack_messages, so a restart of any length
   * goes on where the last process stopped. An attempt that fails an hour or more after the first
   * is the last: an error line, and a `slack.delivery_failed` row per message.
   */
  async retryOwed(now = Date.now()): Promise<number> {
    if (this.nextRetryAt > now) return 0;
    const { db } = this.deps;
    try {
      for (const actionId of [...this.resyncs]) {
        try {
          await this.deliver({ kind: 'sync', actionId });
          this.resyncs.delete(actionId);
        } catch {
          // Still failing within its window (logged by the attempt): the next pass tries it again.
        }
      }
      const due = await dueOwed(db, new Date(now), CATCH_UP_LIMIT);
      for (const { actionId, notices } of due) {
        let recorded = true;
        try {
          if (!notices) recorded = await this.deliver({ kind: 'sync', actionId });
          else {
            const classification = await this.classificationOf(actionId);
            if (classification) recorded = await this.deliver({ kind: 'notice', actionId, classification });
          }
        } catch {
          // Nothing could record its failure (logged by the attempt): its rows still say it is owed, and the other actions go on.
          continue;
        }
        // Given up with nothing recorded (an owed mark that failed): its rows still owe what it did not send, and settling them
        // would clear them unaudited (give-up.ts). The next pass tries it again; once a mark goes through, it is sent or audited.
        if (!recorded) continue;
        // What the attempt neither sent nor marked again (the action is gone, say) would otherwise be due at every pass.
        for (const key of await settleUntouched(db, actionId, notices, new Date(now)))
          this.deps.logger.warn(`dropped the owed Slack message of action ${key.actionId} in ${key.target}: nothing is left to send`);
      }
      // Past the batch's limit, the rest is due at once: the next pass reads on.
      this.nextRetryAt = due.length === CATCH_UP_LIMIT ? now : ((await nextOwedAt(db)) ?? Infinity);
      if (this.resyncs.size > 0) this.nextRetryAt = Math.min(this.nextRetryAt, now + this.deps.retryDelayMs);
      return due.length;
    } catch (error) {
      // The database: the tail's pass must not fail for this, and the rows still say what is owed.
      this.deps.logger.warn(`could not retry the owed Slack messages: ${error instanceof Error ? error.message : String(error)}`);
      this.nextRetryAt = now + this.deps.retryDelayMs;
      return 0;
    }
  }

  async handle(events: readonly TailEvent[]): Promise<void> {
    const shown = new Set<string>();
    /** Each action's last event in the batch that asks for a delivery. */
    const newest = new Map<string, bigint>();
    let first: bigint | undefined;
    for (const event of events) {
      if (first === undefined || event.seq < first) first = event.seq;
      if (event.seq > this.readThrough) this.readThrough = event.seq;
      if (!event.actionId) continue;
      if (SHOWN_EVENTS.has(event.type)) shown.add(event.actionId);
      else if (event.type !== 'action.classified') continue;
      if (event.seq > (newest.get(event.actionId) ?? 0n)) newest.set(event.actionId, event.seq);
    }
    // The tail reads on from its cursor, so a batch that starts after what a give-up covered is never read again.
    for (const [key, entry] of this.unrecorded) if (first !== undefined && entry.gaveUpThrough !== undefined && entry.gaveUpThrough < first) this.unrecorded.delete(key);
    // One read each for the whole batch, not per action: most actions ask for no notice and never wait for people.
    const deliveries: Delivery[] = (await this.noticesAsked(events)).map(({ actionId, classification }) => ({ kind: 'notice', actionId, classification }));
    const waited = await this.actionsWithRounds([...shown]);
    for (const actionId of shown) if (waited.has(actionId)) deliveries.push({ kind: 'sync', actionId });
    for (const delivery of deliveries) {
      // A later event than a give-up covered: its delivery gets a window of its own.
      const key = deliveryKey(delivery);
      const gaveUpThrough = this.unrecorded.get(key)?.gaveUpThrough;
      if (gaveUpThrough !== undefined && (newest.get(delivery.actionId) ?? 0n) > gaveUpThrough) this.unrecorded.delete(key);
    }
    // A delivery whose failure nothing recorded fails the batch: the tail reads it again (the others then find nothing new to send).
    const [unrecorded] = await this.deliverEach(deliveries);
    if (unrecorded) throw unrecorded.error;
  }

  /**
   * Catch-up when this process starts reading the log (a start, a restart, taking over from another
   * process): approvals still open get their messages even if their events were missed, and every
   * message still owed (slack_messages) is tried again now if its wait is over, however long ago it
   * failed; the others at their time. A round whose sync failed before anything could record it does
   * not hold up the tail (its events, if the cursor has not passed them, do): the retry pass tries it
   * again until it goes through or is given up, and the next start syncs it again.
   */
  async catchUp(now = Date.now()): Promise<void> {
    // What the syncs below read covers the log up to here: reading those events again brings nothing new.
    const { _max } = await this.deps.db.prisma.auditEvent.aggregate({ _max: { seq: true } });
    if (_max.seq !== null && _max.seq > this.readThrough) this.readThrough = _max.seq;
    const open = await this.deps.db.prisma.approval.findMany({ where: { status: 'open' }, select: { actionId: true }, orderBy: { createdAt: 'asc' }, take: CATCH_UP_LIMIT });
    const unrecorded = await this.deliverEach(open.map(({ actionId }) => ({ kind: 'sync', actionId })));
    this.nextRetryAt = 0;
    const retried = await this.retryOwed(now);
    for (const { delivery, error } of unrecorded) {
      this.resyncs.add(delivery.actionId);
      this.deps.logger.warn(`Slack catch-up: the messages of action ${delivery.actionId} are tried again at the next retry pass: ${error.message}`);
    }
    if (unrecorded.length > 0) this.nextRetryAt = Math.min(this.nextRetryAt, now + this.deps.retryDelayMs);
    this.deps.logger.info(`Slack catch-up: ${open.length} open approval rounds synced, ${retried} actions with owed messages tried again`);
  }

  /** Attempts each delivery; returns those that failed with nothing recording it (deliver), once all were attempted. */
  private async deliverEach(deliveries: readonly Delivery[]): Promise<{ delivery: Delivery; error: Error }[]> {
    const unrecorded: { delivery: Delivery; error: Error }[] = [];
    for (const delivery of deliveries) {
      try {
        await this.deliver(delivery);
      } catch (error) {
        if (error instanceof LostLeadError) throw error;
        unrecorded.push({ delivery, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
    return unrecorded;
  }

  /** The batch's `action.classified` rows that allowed their action with a notice (`allow_and_notify`). */
  private async noticesAsked(events: readonly TailEvent[]): Promise<{ actionId: string; classification: Classified }[]> {
    const seqs = events.filter((e) => e.actionId && e.type === 'action.classified').map((e) => e.seq);
    if (seqs.length === 0) return [];
    const rows = await this.deps.db.prisma.auditEvent.findMany({ where: { seq: { in: seqs } }, orderBy: { seq: 'asc' }, select: { actionId: true, type: true, payload: true } });
    return rows.flatMap(({ actionId, type, payload }) => {
      const event = parseAuditEvent(type, payload);
      if (!actionId || !isAuditEvent(event, 'action.classified')) return [];
      const classification = event.payload;
      return classification.decision === 'allow' && classification.notify === true ? [{ actionId, classification }] : [];
    });
  }

  /** Which of `actionIds` ever had an approval round: only they have messages to keep up to date. */
  private async actionsWithRounds(actionIds: readonly string[]): Promise<Set<string>> {
    if (actionIds.length === 0) return new Set();
    const rows = await this.deps.db.prisma.approval.findMany({ where: { actionId: { in: [...actionIds] } }, select: { actionId: true } });
    return new Set(rows.map((r) => r.actionId));
  }

  /** The action's admission, for a notice tried again outside the event that asked for it. */
  private async classificationOf(actionId: string): Promise<Classified | undefined> {
    const classified = await this.deps.db.prisma.auditEvent.findFirst({
      where: { actionId, type: 'action.classified' },
      orderBy: { seq: 'desc' },
      select: { type: true, payload: true },
    });
    const event = classified && parseAuditEvent(classified.type, classified.payload);
    return event && isAuditEvent(event, 'action.classified') ? event.payload : undefined;
  }

  /**
   * Attempts a delivery and records what Slack did not take (attempt-outcome.ts): owed, for
   * retryOwed, or given up. A later event of the action attempts it again either way. Throws when
   * nothing could record what is owed (the database): the events are then read again (handle), the
   * retry pass tries it again (catchUp) or the rows still say it (retryOwed); for
   * UNRECORDED_GIVE_UP_MS at most, then it is given up, and so is every failure of it until the tail
   * has read past the events the give-up covered (handle). Returns false when it was given up so (its
   * rows may not say what the attempt left), true when it went through or its failure was recorded.
   */
  private async deliver(delivery: Delivery): Promise<boolean> {
    const key = deliveryKey(delivery);
    try {
      await this.attempt(delivery);
      this.unrecorded.delete(key);
      return true;
    } catch (error) {
      if (error instanceof LostLeadError) throw error;
      const entry = this.unrecorded.get(key) ?? { since: Date.now() };
      if (entry.gaveUpThrough !== undefined) return false;
      if (Date.now() - entry.since < Math.min(this.outcomes.giveUpAfterMs, UNRECORDED_GIVE_UP_MS)) {
        this.unrecorded.set(key, entry);
        throw error;
      }
      this.unrecorded.set(key, { ...entry, gaveUpThrough: this.readThrough });
      this.deps.logger.error(
        `gave up ${delivery.kind === 'notice' ? 'posting the Slack notice' : 'updating the Slack messages'} of action ${delivery.actionId}: it failed before anything could record it, since ${new Date(entry.since).toISOString()}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return false;
    }
  }

  /** One attempt at the delivery; throws when nothing recorded its failure. */
  private async attempt(delivery: Delivery): Promise<void> {
    const { actionId } = delivery;
    let attempt: Attempt;
    let unsent: Error | undefined;
    try {
      attempt = delivery.kind === 'notice' ? await postNotice(this.messages, actionId, delivery.classification) : await syncApprovalMessages(this.messages, actionId);
    } catch (error) {
      if (error instanceof LostLeadError) throw error;
      // Not a Slack call: the database, most likely. The action's messages are owed like after a passing Slack failure.
      const reason = `could not ${delivery.kind === 'notice' ? 'post the notice' : 'update the messages'} of action ${actionId}: ${error instanceof Error ? error.message : String(error)}`;
      this.deps.logger.warn(reason);
      attempt = { failed: await allMessagesFailed(this.deps.db, delivery, reason), settled: [] };
      unsent = error instanceof Error ? error : new Error(String(error));
    }
    const { owed } = await recordOutcome(this.outcomes, delivery, attempt);
    if (owed) this.nextRetryAt = Math.min(this.nextRetryAt, Date.now() + this.deps.retryDelayMs);
    // It failed before any row could say so (the claim's insert failed, say): nothing else would try it again.
    else if (unsent) throw unsent;
  }
}

/** A delivery's key in ApprovalNotifier.unrecorded. */
const deliveryKey = (delivery: Delivery): string => `${delivery.kind}:${delivery.actionId}`;
