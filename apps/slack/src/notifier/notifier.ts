import { sha256Hex } from '@airlock/core/hashing';
import { appendAudit, awaitDurable, type Db } from '@airlock/db';
import type { Logger, webApi } from '@slack/bolt';
import { isAuditEvent, parseAuditEvent, type AuditEventOf, type AuditEventType } from '@airlock/core';
import { approvalMessage, type SlackMessageContent } from '../blocks/approval-message.js';
import { noticeMessage } from '../blocks/notice-message.js';
import { approvalChannel, escalationChannel, type SlackRoutes } from '../routing.js';
import type { SlackDirectory } from '../users.js';
import { loadActionView, type ActionView, type RoundView } from './action-view.js';
import type { TailEvent } from './audit-tail.js';
import { classifySlackError, type SlackFailure } from './slack-errors.js';

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
   * The first wait before an action whose messages could not be brought up to date (or whose notice
   * could not be posted) is tried again (the tail's poll interval); it doubles up to
   * `RETRY_MAX_DELAY_POLLS` polls, and is never shorter than a rate limit's Retry-After.
   */
  retryDelayMs: number;
  /**
   * How long a message a Slack call failed to take is retried before the notifier gives up on it
   * (audited as `slack.delivery_failed`); also how far back a (re)start looks for messages left
   * behind. Default one hour.
   */
  giveUpAfterMs?: number;
}

/** The longest wait between two retries of an action's messages, in polls of the audit tail. */
const RETRY_MAX_DELAY_POLLS = 12;
/** NotifierDeps.giveUpAfterMs's default. */
const RETRY_GIVE_UP_MS = 60 * 60_000;
/** At most this many actions with a message event since the give-up horizon are caught up at a (re)start. */
const CATCH_UP_LIMIT = 500;

/** What admission decided, as its `action.classified` row says. */
type Classified = AuditEventOf<'action.classified'>['payload'];

/** What the notifier delivers for an action: its approval messages, brought up to date, or its allow_and_notify notice. */
type Delivery = { kind: 'sync'; actionId: string } | { kind: 'notice'; actionId: string; classification: Classified };

/** A message a Slack call could not post or update, and Slack's error. */
interface FailedMessage {
  row: MessageRow;
  call: 'chat.postMessage' | 'chat.update';
  /** What was being sent (its rendered hash): a later, different content is a new delivery. */
  hash: string;
  failure: SlackFailure;
}

/** A delivery some of whose messages are behind: which, and when to try again. */
interface Behind {
  delivery: Delivery;
  since: number;
  attempts: number;
  dueAt: number;
  /** The messages the last attempt left behind with a transient error. */
  failed: FailedMessage[];
  reason: string;
}

const MESSAGE_KINDS = ['approval', 'escalation', 'direct', 'notice'] as const;
type MessageKind = (typeof MESSAGE_KINDS)[number];
const messageKind = (kind: string): MessageKind => MESSAGE_KINDS.find((k) => k === kind) ?? 'approval';

interface Target {
  target: string;
  kind: MessageKind;
}

interface MessageRow {
  actionId: string;
  round: number;
  target: string;
  kind: string;
  channel: string | null;
  ts: string | null;
  renderedHash: string | null;
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
  'action.completed',
]);

/**
 * Turns audit events into Slack messages: a round that opens is posted once per
 * target (a claim row in slack_messages makes it exactly once), and every later
 * change re-renders the action's messages from the current state and updates
 * those whose content changed.
 */
export class ApprovalNotifier {
  /** Deliveries whose last attempt left a message behind (a transient Slack failure), by `kind:actionId`: tried again by retryBehind. */
  private readonly behind = new Map<string, Behind>();

  constructor(private readonly deps: NotifierDeps) {}

  private get giveUpAfterMs(): number {
    return this.deps.giveUpAfterMs ?? RETRY_GIVE_UP_MS;
  }

  /**
   * Tries again every delivery that a transient Slack failure left behind and whose wait is over
   * (called at each pass of the audit tail): without it, a failure at an action's last event (the
   * decision, the tool's result) would leave the message showing an earlier state, buttons and
   * all, for good, and a notice would be lost. Gives up after an hour: an error line, and a
   * `slack.delivery_failed` row per message still behind.
   */
  async retryBehind(now = Date.now()): Promise<void> {
    for (const [key, entry] of [...this.behind]) {
      if (entry.dueAt > now) continue;
      if (now - entry.since >= this.giveUpAfterMs) {
        this.behind.delete(key);
        const what = entry.delivery.kind === 'notice' ? 'posting the Slack notice' : 'updating the Slack messages';
        this.deps.logger.error(`gave up ${what} of action ${entry.delivery.actionId} after ${entry.attempts} attempts; Slack may not show its current state: ${entry.reason}`);
        for (const failed of entry.failed) await this.auditGaveUp(failed, entry.attempts);
        continue;
      }
      await this.deliver(entry.delivery);
    }
  }

  /** How many deliveries have messages waiting for a retry. */
  get behindCount(): number {
    return this.behind.size;
  }

  async handle(events: readonly TailEvent[]): Promise<void> {
    const shown = new Set<string>();
    for (const event of events) if (event.actionId && SHOWN_EVENTS.has(event.type)) shown.add(event.actionId);
    // One read each for the whole batch, not per action: most actions ask for no notice and never wait for people.
    for (const { actionId, classification } of await this.noticesAsked(events)) await this.deliver({ kind: 'notice', actionId, classification });
    const waited = await this.actionsWithRounds([...shown]);
    for (const actionId of shown) if (waited.has(actionId)) await this.deliver({ kind: 'sync', actionId });
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

  /**
   * `allow_and_notify`: the policy let the action through and asks that people
   * know. One message (no buttons) to the channel its tier or team routes to;
   * the claim row (round 0) makes it exactly once across notifiers and replays,
   * and a claim whose post failed is posted by the next attempt.
   * Returns the notice when Slack did not take it.
   */
  async notice(actionId: string, classification: Classified): Promise<FailedMessage[]> {
    const action = await this.deps.db.prisma.action.findUnique({ where: { id: actionId }, include: { agent: { select: { team: true } } } });
    if (!action) return [];
    const { tier } = classification;
    const target = approvalChannel(this.deps.routes, { tier, team: action.agent.team });
    const row = (await this.claim(actionId, 0, { target, kind: 'notice' })) ?? (await this.unposted(actionId, 0, target));
    if (!row) return [];
    const content = noticeMessage({
      actionId,
      tool: action.tool,
      agentId: action.agentId,
      team: action.agent.team,
      requestedBy: action.requestedBy,
      tier,
      reasons: classification.reasons,
      args: action.args && typeof action.args === 'object' && !Array.isArray(action.args) ? action.args : {},
      rationale: action.rationale,
      consoleUrl: this.deps.consoleUrl,
    });
    const hash = sha256Hex(JSON.stringify(content));
    try {
      await this.post(row, content, hash);
      return [];
    } catch (error) {
      const failure = classifySlackError(error);
      this.deps.logger.warn(`could not post the notice of action ${actionId} to ${target}: ${failure.error}`);
      return [{ row, call: 'chat.postMessage', hash, failure }];
    }
  }

  /**
   * Catch-up after a (re)start, where the retries held in memory were lost: approvals still open
   * get their messages even if their events were missed; actions with a message event in the last
   * hour (the retries' horizon) are synced again, which calls Slack only for a message whose last
   * rendering (slack_messages.rendered_hash) is not what the action shows now, e.g. a decided round
   * whose final chat.update failed just before the restart, buttons and all; and a notice of the
   * last hour that was claimed but never posted is posted.
   */
  async catchUp(now = Date.now()): Promise<void> {
    const { prisma } = this.deps.db;
    const open = await prisma.approval.findMany({ where: { status: 'open' }, select: { actionId: true }, orderBy: { createdAt: 'asc' }, take: CATCH_UP_LIMIT });
    const since = new Date(now - this.giveUpAfterMs);
    const recent = await prisma.$queryRaw<{ action_id: string }[]>`
      SELECT e.action_id FROM audit_events e
      WHERE e.created_at >= ${since} AND e.action_id IS NOT NULL AND e.type = ANY(${[...SHOWN_EVENTS]}::text[])
        AND EXISTS (SELECT 1 FROM slack_messages m WHERE m.action_id = e.action_id AND m.round > 0 AND m.ts IS NOT NULL)
      GROUP BY e.action_id ORDER BY max(e.seq) DESC LIMIT ${CATCH_UP_LIMIT}`;
    for (const actionId of new Set([...open.map((a) => a.actionId), ...recent.map((r) => r.action_id)])) await this.deliver({ kind: 'sync', actionId });
    const unposted = await prisma.slackMessage.findMany({ where: { kind: 'notice', ts: null, createdAt: { gte: since } }, select: { actionId: true }, take: CATCH_UP_LIMIT });
    for (const { actionId } of unposted) {
      const classified = await prisma.auditEvent.findFirst({ where: { actionId, type: 'action.classified' }, orderBy: { seq: 'desc' }, select: { type: true, payload: true } });
      const event = classified && parseAuditEvent(classified.type, classified.payload);
      if (event && isAuditEvent(event, 'action.classified')) await this.deliver({ kind: 'notice', actionId, classification: event.payload });
    }
  }

  /**
   * Brings every Slack message of the action up to date; posts the open round where it is not yet.
   * Returns the messages a Slack call could not post or update.
   */
  async sync(actionId: string): Promise<FailedMessage[]> {
    const view = await loadActionView(this.deps.db, actionId, this.deps.consoleUrl);
    if (!view) return [];
    const failed: FailedMessage[] = [];
    const rows: MessageRow[] = await this.deps.db.prisma.slackMessage.findMany({ where: { actionId }, orderBy: { createdAt: 'asc' } });
    const latest = view.rounds.at(-1);
    for (const round of view.rounds) {
      const open = round === latest && round.card.status.kind === 'open';
      const mine = rows.filter((r) => r.round === round.card.round);
      if (open) {
        for (const target of await this.targets(view, round)) {
          if (mine.some((r) => r.target === target.target)) continue;
          const claimed = await this.claim(actionId, round.card.round, target);
          if (claimed) mine.push(claimed);
        }
      }
      const content = approvalMessage(round.card);
      const hash = sha256Hex(JSON.stringify(content));
      for (const row of mine) {
        const posted = row.ts && row.channel ? { ...row, channel: row.channel, ts: row.ts } : undefined;
        // A claim whose post failed is retried while the round is open; a closed round is not posted late.
        const call = posted ? (row.renderedHash !== hash ? 'chat.update' : undefined) : open ? 'chat.postMessage' : undefined;
        if (!call) continue;
        try {
          if (posted) await this.update(posted, content, hash);
          else await this.post(row, content, hash);
        } catch (error) {
          // One unreachable channel or DM must not hold back the others.
          const failure = classifySlackError(error);
          this.deps.logger.warn(`message for action ${actionId} in ${row.target}: ${call} failed: ${failure.error}`);
          failed.push({ row, call, hash, failure });
        }
      }
    }
    return failed;
  }

  /**
   * Attempts a delivery. A message Slack refused for good is given up at once (audited); one that
   * failed otherwise keeps the delivery in `behind` for retryBehind, with a growing wait. A later
   * event of the action attempts it again either way.
   */
  private async deliver(delivery: Delivery): Promise<void> {
    const { actionId } = delivery;
    const key = `${delivery.kind}:${actionId}`;
    const earlier = this.behind.get(key);
    const attempts = (earlier?.attempts ?? 0) + 1;
    let failed: FailedMessage[];
    let reason: string | undefined;
    try {
      failed = delivery.kind === 'notice' ? await this.notice(actionId, delivery.classification) : await this.sync(actionId);
    } catch (error) {
      // Not a Slack call: the database, most likely. Tried again like a passing Slack failure.
      failed = [];
      reason = `could not ${delivery.kind === 'notice' ? 'post the notice' : 'update the messages'} of action ${actionId}: ${error instanceof Error ? error.message : String(error)}`;
      this.deps.logger.warn(reason);
    }
    for (const permanent of failed.filter((f) => !f.failure.transient)) await this.auditGaveUp(permanent, attempts);
    const transient = failed.filter((f) => f.failure.transient);
    reason ??= transient.length > 0 ? `${transient[0]!.call} to ${transient[0]!.row.target}: ${transient[0]!.failure.error}` : undefined;
    if (reason === undefined) {
      if (earlier) this.deps.logger.info(`the Slack messages of action ${actionId} are up to date again after ${earlier.attempts} failed attempts`);
      this.behind.delete(key);
      return;
    }
    const now = Date.now();
    const backoff = this.deps.retryDelayMs * Math.min(2 ** (attempts - 1), RETRY_MAX_DELAY_POLLS);
    const delay = Math.max(backoff, ...transient.map((f) => f.failure.retryAfterMs ?? 0));
    this.behind.set(key, { delivery, since: earlier?.since ?? now, attempts, dueAt: now + delay, failed: transient, reason });
  }

  /**
   * A message Airlock stopped trying to deliver, written where operators look (the audit log, the
   * action's page) as well as the log. Once per message and content (its event key): a later
   * attempt at the same content, after a restart say, finds the row already there.
   */
  private async auditGaveUp({ row, call, hash, failure }: FailedMessage, attempts: number): Promise<void> {
    const permanent = !failure.transient;
    this.deps.logger.error(
      `gave up ${call === 'chat.update' ? 'updating' : 'posting'} the Slack ${row.kind} message of action ${row.actionId} in ${row.target}${permanent ? '' : ` after ${attempts} attempts`}: ${failure.error}`,
    );
    try {
      await appendAudit(this.deps.db, {
        eventKey: `${row.actionId}:slack.delivery_failed:${row.round}:${row.target}:${hash}`,
        actionId: row.actionId,
        type: 'slack.delivery_failed',
        actor: 'system:slack',
        payload: { message: messageKind(row.kind), round: row.round, target: row.target, channel: row.channel, ts: row.ts, call, error: failure.error, permanent, attempts },
      });
    } catch (error) {
      this.deps.logger.error(`could not audit the failed Slack delivery for action ${row.actionId}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async targets(view: ActionView, round: RoundView): Promise<Target[]> {
    const { routes } = this.deps;
    const main = approvalChannel(routes, { tier: round.card.tier, team: view.team });
    const targets: Target[] = [{ target: main, kind: 'approval' }];
    for (const to of round.escalatedTo) {
      const channel = escalationChannel(routes, { to, tier: round.card.tier });
      if (channel && !targets.some((t) => t.target === channel)) targets.push({ target: channel, kind: 'escalation' });
    }
    if (this.deps.dmAssignees && round.eligibleApprovers.length > 0) {
      const users = await this.deps.db.prisma.user.findMany({ where: { id: { in: round.eligibleApprovers } }, select: { id: true, email: true }, orderBy: { id: 'asc' } });
      for (const user of users) {
        const slackUser = await this.deps.directory.slackUserFor(user);
        if (slackUser) targets.push({ target: slackUser, kind: 'direct' });
      }
    }
    return targets;
  }

  /** The claim of a message whose post never succeeded; undefined when there is none or it was posted. */
  private async unposted(actionId: string, round: number, target: string): Promise<MessageRow | undefined> {
    const row = await this.deps.db.prisma.slackMessage.findUnique({ where: { actionId_round_target: { actionId, round, target } } });
    return row && !row.ts ? row : undefined;
  }

  /** The row if this notifier won the claim; undefined when another one already holds it. */
  private async claim(actionId: string, round: number, target: Target): Promise<MessageRow | undefined> {
    const { count } = await this.deps.db.prisma.slackMessage.createMany({
      data: [{ actionId, round, target: target.target, kind: target.kind }],
      skipDuplicates: true,
    });
    return count === 1 ? { actionId, round, target: target.target, kind: target.kind, channel: null, ts: null, renderedHash: null } : undefined;
  }

  // Before anything leaves for Slack: what the message shows was read a moment ago, and a row committed
  // with early lock release is visible before it is on disk (awaitDurable). Only a send pays this flush.
  // The row's updated_at says when this attempt started: a click arriving from where it posts, before the
  // timestamp below is written, waits for it (decisions.ts); an attempt older than that is not waited for.
  private async post(row: MessageRow, content: SlackMessageContent, hash: string): Promise<void> {
    const where = { actionId_round_target: { actionId: row.actionId, round: row.round, target: row.target } };
    await this.deps.db.prisma.slackMessage.update({ where, data: { updatedAt: new Date() } });
    await awaitDurable(this.deps.db.pool);
    const posted = await this.deps.slack.chat.postMessage({ channel: row.target, text: content.text, blocks: content.blocks, unfurl_links: false, unfurl_media: false });
    if (!posted.ts || !posted.channel) throw new Error(`chat.postMessage to ${row.target} returned no message timestamp`);
    await this.deps.db.prisma.slackMessage.update({ where, data: { channel: posted.channel, ts: posted.ts, renderedHash: hash } });
  }

  private async update(row: MessageRow & { channel: string; ts: string }, content: SlackMessageContent, hash: string): Promise<void> {
    await awaitDurable(this.deps.db.pool);
    await this.deps.slack.chat.update({ channel: row.channel, ts: row.ts, text: content.text, blocks: content.blocks });
    await this.deps.db.prisma.slackMessage.update({
      where: { actionId_round_target: { actionId: row.actionId, round: row.round, target: row.target } },
      data: { renderedHash: hash },
    });
  }
}
