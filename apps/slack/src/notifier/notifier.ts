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
import { MessagePoster } from './posting.js';

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
}

/** NotifierDeps.giveUpAfterMs's default. */
const RETRY_GIVE_UP_MS = 60 * 60_000;
/** At most this many open rounds at a (re)start, and actions with owed messages per retry pass, are attempted. */
const CATCH_UP_LIMIT = 500;
/**
 * How long the audit tail reads again the events of a delivery whose failure nothing could record (no
 * message row yet, or its owed mark's write failed): the later events wait meanwhile, so a failure that
 * does not pass holds them up this long at most, then the delivery is given up (an error line). At
 * most giveUpAfterMs.
 */
const UNRECORDED_GIVE_UP_MS = 5 * 60_000;

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
  /** Deliveries (kind:actionId) that failed before any row could record it: since when (UNRECORDED_GIVE_UP_MS). */
  private readonly unrecorded = new Map<string, number>();
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
      const due = await dueOwed(db, new Date(now), CATCH_UP_LIMIT);
      for (const { actionId, notices } of due) {
        if (!notices) await this.deliver({ kind: 'sync', actionId });
        else {
          const classification = await this.classificationOf(actionId);
          if (classification) await this.deliver({ kind: 'notice', actionId, classification });
        }
        // What the attempt neither sent nor marked again (the action is gone, say) would otherwise be due at every pass.
        for (const key of await settleUntouched(db, actionId, notices, new Date(now)))
          this.deps.logger.warn(`dropped the owed Slack message of action ${key.actionId} in ${key.target}: nothing is left to send`);
      }
      // Past the batch's limit, the rest is due at once: the next pass reads on.
      this.nextRetryAt = due.length === CATCH_UP_LIMIT ? now : ((await nextOwedAt(db)) ?? Infinity);
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
    for (const event of events) if (event.actionId && SHOWN_EVENTS.has(event.type)) shown.add(event.actionId);
    // One read each for the whole batch, not per action: most actions ask for no notice and never wait for people.
    const deliveries: Delivery[] = (await this.noticesAsked(events)).map(({ actionId, classification }) => ({ kind: 'notice', actionId, classification }));
    const waited = await this.actionsWithRounds([...shown]);
    for (const actionId of shown) if (waited.has(actionId)) deliveries.push({ kind: 'sync', actionId });
    // A delivery whose failure nothing recorded fails the batch: the tail reads it again (the others then find nothing new to send).
    const unrecorded = await this.deliverEach(deliveries);
    if (unrecorded) throw unrecorded;
  }

  /**
   * Catch-up when this process starts reading the log (a start, a restart, taking over from another
   * process): approvals still open get their messages even if their events were missed, and every
   * message still owed (slack_messages) is tried again now if its wait is over, however long ago it
   * failed; the others at their time.
   */
  async catchUp(now = Date.now()): Promise<void> {
    const open = await this.deps.db.prisma.approval.findMany({ where: { status: 'open' }, select: { actionId: true }, orderBy: { createdAt: 'asc' }, take: CATCH_UP_LIMIT });
    const unrecorded = await this.deliverEach(open.map(({ actionId }) => ({ kind: 'sync', actionId })));
    this.nextRetryAt = 0;
    const retried = await this.retryOwed(now);
    this.deps.logger.info(`Slack catch-up: ${open.length} open approval rounds synced, ${retried} actions with owed messages tried again`);
    // The catch-up runs again (the tail takes the lead again after its poll interval).
    if (unrecorded) throw unrecorded;
  }

  /** Attempts each delivery; the first failure nothing recorded (deliver) is returned once all were attempted. */
  private async deliverEach(deliveries: readonly Delivery[]): Promise<Error | undefined> {
    let unrecorded: Error | undefined;
    for (const delivery of deliveries) {
      try {
        await this.deliver(delivery);
      } catch (error) {
        unrecorded ??= error instanceof Error ? error : new Error(String(error));
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
   * nothing could record what is owed (the database): the events are then read again (handle) or
   * the rows still say it (retryOwed); for UNRECORDED_GIVE_UP_MS at most, then it is given up.
   */
  private async deliver(delivery: Delivery): Promise<void> {
    const key = `${delivery.kind}:${delivery.actionId}`;
    try {
      await this.attempt(delivery);
      this.unrecorded.delete(key);
    } catch (error) {
      const since = this.unrecorded.get(key) ?? Date.now();
      if (Date.now() - since < Math.min(this.outcomes.giveUpAfterMs, UNRECORDED_GIVE_UP_MS)) {
        this.unrecorded.set(key, since);
        throw error;
      }
      this.unrecorded.delete(key);
      this.deps.logger.error(
        `gave up ${delivery.kind === 'notice' ? 'posting the Slack notice' : 'updating the Slack messages'} of action ${delivery.actionId}: it failed before anything could record it, since ${new Date(since).toISOString()}: ${error instanceof Error ? error.message : String(error)}`,
      );
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
