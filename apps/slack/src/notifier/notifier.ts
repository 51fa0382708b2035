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
import { dueOwed, markOwed, nextOwedAt, NOTHING_OWED, settleOwed, settleUntouched } from './owed-messages.js';
import { findEarlierPost, postMetadata, type PostedAt } from './earlier-post.js';
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
   * The first wait before a message Slack failed to take (a post, an update, a notice) is tried
   * again (the tail's poll interval); it doubles up to `RETRY_MAX_DELAY_POLLS` polls, and is never
   * shorter than a rate limit's Retry-After.
   */
  retryDelayMs: number;
  /**
   * How long after its first failed attempt a message is given up (audited as
   * `slack.delivery_failed`) when the next attempt fails too. Default one hour.
   */
  giveUpAfterMs?: number;
}

/** The "content" of a given-up post whose round was decided first (FailedMessage.hash): there is none to send. */
const ROUND_CLOSED = 'round-closed';
/** The longest wait between two retries of a message, in polls of the audit tail. */
const RETRY_MAX_DELAY_POLLS = 12;
/** NotifierDeps.giveUpAfterMs's default. */
const RETRY_GIVE_UP_MS = 60 * 60_000;
/** At most this many open rounds at a (re)start, and actions with owed messages per retry pass, are attempted. */
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

/** What one attempt at a delivery left: the messages Slack did not take, and owed ones it no longer needs to send. */
interface Attempt {
  failed: FailedMessage[];
  /** Owed messages with nothing to send any more: a posted one shows the action's state; an unposted one's round closed. */
  settled: MessageRow[];
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
  /** Owed (owed-messages.ts): since the first failed attempt at what it should show, and how many failed. */
  owedSince: Date | null;
  attempts: number;
  lastError: string | null;
  /** When it was claimed: a post of it cannot be older. */
  createdAt: Date;
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
 * target (a claim row in slack_messages: one notifier posts it), and every later
 * change re-renders the action's messages from the current state and updates
 * those whose content changed. A post Slack took whose timestamp was never written
 * is found again (earlier-post.ts) rather than posted twice.
 */
export class ApprovalNotifier {
  /**
   * When the earliest owed message is due (ms since the epoch): a hint that spares the retry pass its
   * query while nothing is owed; the rows are the record. 0 until the first pass has read them.
   */
  private nextRetryAt = 0;
  /** Posts Slack took whose channel and timestamp could not be written yet: the next attempt writes them instead of posting. */
  private readonly unrecorded = new Map<string, PostedAt>();
  /** This bot's id (auth.test), which an earlier post of ours carries; read once. */
  private botId: Promise<string> | undefined;

  constructor(private readonly deps: NotifierDeps) {}

  private get giveUpAfterMs(): number {
    return this.deps.giveUpAfterMs ?? RETRY_GIVE_UP_MS;
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
   * the claim row (round 0) makes one notifier post it, once, across replays; a
   * claim whose post failed is posted by the next attempt, unless Slack had it after all
   * (recovered).
   * Returns the notice when Slack did not take it.
   */
  async notice(actionId: string, classification: Classified): Promise<Attempt> {
    const none: Attempt = { failed: [], settled: [] };
    const action = await this.deps.db.prisma.action.findUnique({ where: { id: actionId }, include: { agent: { select: { team: true } } } });
    if (!action) return none;
    const { tier } = classification;
    const target = approvalChannel(this.deps.routes, { tier, team: action.agent.team });
    const claimed = await this.claim(actionId, 0, { target, kind: 'notice' });
    const unposted = claimed ?? (await this.unposted(actionId, 0, target));
    if (!unposted) return none;
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
    let row = unposted;
    try {
      row = claimed ?? (await this.recovered(unposted));
      // Found in Slack: a notice never changes, so nothing is left to send.
      if (row.ts) return { failed: [], settled: row.owedSince ? [row] : [] };
      await this.post(row, content, hash);
      return none;
    } catch (error) {
      const failure = classifySlackError(error);
      this.deps.logger.warn(`could not post the notice of action ${actionId} to ${target}: ${failure.error}`);
      return { failed: [{ row, call: 'chat.postMessage', hash, failure }], settled: [] };
    }
  }

  /**
   * Catch-up when this process starts reading the log (a start, a restart, taking over from another
   * process): approvals still open get their messages even if their events were missed, and every
   * message still owed (slack_messages) is tried again now if its wait is over, however long ago it
   * failed; the others at their time.
   */
  async catchUp(now = Date.now()): Promise<void> {
    const open = await this.deps.db.prisma.approval.findMany({ where: { status: 'open' }, select: { actionId: true }, orderBy: { createdAt: 'asc' }, take: CATCH_UP_LIMIT });
    for (const { actionId } of open) await this.deliver({ kind: 'sync', actionId });
    this.nextRetryAt = 0;
    const retried = await this.retryOwed(now);
    this.deps.logger.info(`Slack catch-up: ${open.length} open approval rounds synced, ${retried} actions with owed messages tried again`);
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
   * Brings every Slack message of the action up to date; posts the open round where it is not yet.
   * Returns the messages a Slack call could not post or update, and the owed ones it need not.
   */
  async sync(actionId: string): Promise<Attempt> {
    const view = await loadActionView(this.deps.db, actionId, this.deps.consoleUrl);
    if (!view) return { failed: [], settled: [] };
    const failed: FailedMessage[] = [];
    const settled: MessageRow[] = [];
    const rows: MessageRow[] = await this.deps.db.prisma.slackMessage.findMany({ where: { actionId }, orderBy: { createdAt: 'asc' } });
    const latest = view.rounds.at(-1);
    const claims = new Set<MessageRow>();
    for (const round of view.rounds) {
      const open = round === latest && round.card.status.kind === 'open';
      const mine = rows.filter((r) => r.round === round.card.round);
      if (open) {
        for (const target of await this.targets(view, round)) {
          if (mine.some((r) => r.target === target.target)) continue;
          const claimed = await this.claim(actionId, round.card.round, target);
          if (claimed) {
            mine.push(claimed);
            claims.add(claimed);
          }
        }
      }
      const content = approvalMessage(round.card);
      const hash = sha256Hex(JSON.stringify(content));
      for (const mineRow of mine) {
        let row = mineRow;
        let call: FailedMessage['call'] = 'chat.postMessage';
        try {
          // A row without a timestamp that this pass did not just claim may have been posted already.
          if (!claims.has(row)) row = await this.recovered(row);
          const posted = row.ts && row.channel ? { ...row, channel: row.channel, ts: row.ts } : undefined;
          // A claim whose post failed is retried while the round is open; a closed round is not posted late.
          const next = posted ? (row.renderedHash !== hash ? 'chat.update' : undefined) : open ? 'chat.postMessage' : undefined;
          if (!next) {
            if (row.owedSince) settled.push(row);
            continue;
          }
          call = next;
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
    return { failed, settled };
  }

  /**
   * Attempts a delivery. A message Slack refused for good is given up at once (audited); one that
   * failed otherwise is marked owed on its row (owed-messages.ts), with a growing wait, for
   * retryOwed, and given up once a failed attempt comes an hour or more after the first. A later
   * event of the action attempts it again either way. Throws only when what is owed could not be
   * recorded: the events are then read again (handle) or the rows still say it (retryOwed).
   */
  private async deliver(delivery: Delivery): Promise<void> {
    const { actionId } = delivery;
    let attempt: Attempt;
    try {
      attempt = delivery.kind === 'notice' ? await this.notice(actionId, delivery.classification) : await this.sync(actionId);
    } catch (error) {
      // Not a Slack call: the database, most likely. The action's messages are owed like after a passing Slack failure.
      const reason = `could not ${delivery.kind === 'notice' ? 'post the notice' : 'update the messages'} of action ${actionId}: ${error instanceof Error ? error.message : String(error)}`;
      this.deps.logger.warn(reason);
      attempt = { failed: await this.allMessagesFailed(delivery, reason), settled: [] };
    }
    const gaveUp: { failed: FailedMessage; attempts: number }[] = [];
    for (const failed of attempt.failed) {
      const { row, failure } = failed;
      if (!failure.transient) {
        await this.auditGaveUp(failed, row.attempts + 1);
        if (row.owedSince) await this.settle(row);
        continue;
      }
      const backoff = { firstDelayMs: this.deps.retryDelayMs, maxFactor: RETRY_MAX_DELAY_POLLS, retryAfterMs: failure.retryAfterMs };
      const now = Date.now();
      // A failure to record it (the database) fails the delivery: the audit tail reads the events again.
      const owed = await markOwed(this.deps.db, row, failure.error, new Date(now), backoff);
      if (!owed) continue;
      this.nextRetryAt = Math.min(this.nextRetryAt, now + this.deps.retryDelayMs);
      if (now - owed.owedSince.getTime() >= this.giveUpAfterMs) gaveUp.push({ failed, attempts: owed.attempts });
    }
    if (gaveUp.length > 0) {
      const what = delivery.kind === 'notice' ? 'posting the Slack notice' : 'updating the Slack messages';
      const { failed, attempts } = gaveUp[0]!;
      this.deps.logger.error(
        `gave up ${what} of action ${actionId} after ${attempts} attempts; Slack may not show its current state: ${failed.call} to ${failed.row.target}: ${failed.failure.error}`,
      );
    }
    for (const { failed, attempts } of gaveUp) {
      await this.auditGaveUp(failed, attempts);
      await this.settle(failed.row);
    }
    for (const row of attempt.settled) {
      // Unposted, and its round is over: it will not be posted late, and so is given up.
      if (!row.ts)
        await this.auditGaveUp({ row, call: 'chat.postMessage', hash: ROUND_CLOSED, failure: { error: row.lastError ?? 'unknown_error', transient: true } }, row.attempts);
      await this.settle(row);
    }
  }

  /**
   * Every message of the delivery's kind, as failed with `reason`: when its attempt failed before any
   * Slack call. A read that fails too fails the delivery (the audit tail reads the events again).
   */
  private async allMessagesFailed(delivery: Delivery, reason: string): Promise<FailedMessage[]> {
    const rows: MessageRow[] = await this.deps.db.prisma.slackMessage.findMany({
      where: { actionId: delivery.actionId, kind: delivery.kind === 'notice' ? 'notice' : { not: 'notice' } },
    });
    return rows.map((row) => ({ row, call: row.ts ? 'chat.update' : 'chat.postMessage', hash: 'unrendered', failure: { error: reason, transient: true } }));
  }

  private async settle(row: MessageRow): Promise<void> {
    try {
      await settleOwed(this.deps.db, row);
    } catch (error) {
      // Still owed: the next attempt finds the audit row of this content already written.
      this.deps.logger.error(`could not clear the owed Slack message of action ${row.actionId} in ${row.target}: ${error instanceof Error ? error.message : String(error)}`);
    }
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
        payload: {
          message: messageKind(row.kind),
          round: row.round,
          target: row.target,
          channel: row.channel,
          ts: row.ts,
          call,
          error: failure.error,
          permanent,
          attempts,
          roundClosed: hash === ROUND_CLOSED,
        },
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
        let slackUser: string | undefined;
        try {
          slackUser = await this.deps.directory.slackUserFor(user);
        } catch (error) {
          // Slack could not say who they are right now: this pass posts the others; the action's next sync asks again.
          this.deps.logger.warn(`could not look up the Slack account of ${user.id} to DM them about action ${view.actionId}: ${classifySlackError(error).error}`);
        }
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
    return count === 1
      ? {
          actionId,
          round,
          target: target.target,
          kind: target.kind,
          channel: null,
          ts: null,
          renderedHash: null,
          owedSince: null,
          attempts: 0,
          lastError: null,
          createdAt: new Date(),
        }
      : undefined;
  }

  // Before anything leaves for Slack: what the message shows was read a moment ago, and a row committed
  // with early lock release is visible before it is on disk (awaitDurable). Only a send pays this flush.
  // The row's updated_at says when this attempt started, on the database's clock (decisions.ts compares it
  // with now()): a click arriving from where it posts, before the timestamp below is written, waits for it;
  // an attempt older than that is not waited for. The post names its row in its metadata, so that if the
  // timestamp's write below never happens (the process dies, the write fails) the next attempt finds the
  // message (recovered) instead of posting a second one.
  private async post(row: MessageRow, content: SlackMessageContent, hash: string): Promise<void> {
    await this.deps.db.pool.query('UPDATE slack_messages SET updated_at = now() WHERE action_id = $1 AND round = $2 AND target = $3', [row.actionId, row.round, row.target]);
    await awaitDurable(this.deps.db.pool);
    const posted = await this.deps.slack.chat.postMessage({
      channel: row.target,
      text: content.text,
      blocks: content.blocks,
      metadata: postMetadata({ ...row, hash }),
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!posted.ts || !posted.channel) throw new Error(`chat.postMessage to ${row.target} returned no message timestamp`);
    // Slack has the message: from here on only the write is retried, never the post.
    const key = messageKey(row);
    this.unrecorded.set(key, { channel: posted.channel, ts: posted.ts, hash });
    await this.deps.db.prisma.slackMessage.update({ where: rowWhere(row), data: { channel: posted.channel, ts: posted.ts, renderedHash: hash, ...NOTHING_OWED } });
    this.unrecorded.delete(key);
    this.wentThrough(row);
  }

  /**
   * The row, with the channel and timestamp of a post of it Slack already took, when there is one: a
   * post whose write failed in this process, else one found in the conversation's history by its
   * metadata (a process that died between Slack's answer and the write). Writes what it found. A
   * history lookup Slack fails passingly fails the attempt (it is owed, and retried: nothing is posted
   * meanwhile); one it refuses for good (no `channels:history` scope, say) is logged and the message
   * posted again, so a second copy is possible then.
   */
  private async recovered(row: MessageRow): Promise<MessageRow> {
    if (row.ts) return row;
    const key = messageKey(row);
    let found = this.unrecorded.get(key);
    if (!found) {
      try {
        found = await findEarlierPost(this.deps.slack, await this.ownBotId(), row, row.createdAt);
      } catch (error) {
        const failure = classifySlackError(error);
        if (failure.transient) throw error;
        this.deps.logger.warn(
          `could not look for an earlier post of the Slack ${row.kind} message of action ${row.actionId} in ${row.target} (${failure.error}): posting it, a second copy is possible`,
        );
        return row;
      }
      if (!found) return row;
      this.deps.logger.warn(
        `the Slack ${row.kind} message of action ${row.actionId} in ${row.target} was posted before its timestamp was recorded: adopting ${found.channel}/${found.ts}`,
      );
    }
    await this.deps.db.prisma.slackMessage.update({ where: rowWhere(row), data: { channel: found.channel, ts: found.ts, renderedHash: found.hash } });
    this.unrecorded.delete(key);
    return { ...row, channel: found.channel, ts: found.ts, renderedHash: found.hash };
  }

  private ownBotId(): Promise<string> {
    this.botId ??= this.deps.slack.auth.test().then((answer) => {
      if (!answer.bot_id) throw new Error('auth.test returned no bot_id');
      return answer.bot_id;
    });
    // A failed read is not kept: the next lookup asks again.
    void this.botId.catch(() => (this.botId = undefined));
    return this.botId;
  }

  private async update(row: MessageRow & { channel: string; ts: string }, content: SlackMessageContent, hash: string): Promise<void> {
    await awaitDurable(this.deps.db.pool);
    await this.deps.slack.chat.update({ channel: row.channel, ts: row.ts, text: content.text, blocks: content.blocks });
    await this.deps.db.prisma.slackMessage.update({ where: rowWhere(row), data: { renderedHash: hash, ...NOTHING_OWED } });
    this.wentThrough(row);
  }

  private wentThrough(row: MessageRow): void {
    if (row.attempts > 0) this.deps.logger.info(`the Slack ${row.kind} message of action ${row.actionId} in ${row.target} went through after ${row.attempts} failed attempts`);
  }
}

const messageKey = (row: MessageRow): string => `${row.actionId}:${row.round}:${row.target}`;
const rowWhere = (row: MessageRow) => ({ actionId_round_target: { actionId: row.actionId, round: row.round, target: row.target } });
