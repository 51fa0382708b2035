import { sha256Hex } from '@airlock/core/hashing';
import { awaitDurable, type Db } from '@airlock/db';
import type { Logger, webApi } from '@slack/bolt';
import { isAuditEvent, parseAuditEvent, type AuditEventOf, type AuditEventType } from '@airlock/core';
import { approvalMessage, type SlackMessageContent } from '../blocks/approval-message.js';
import { noticeMessage } from '../blocks/notice-message.js';
import { approvalChannel, escalationChannel, type SlackRoutes } from '../routing.js';
import type { SlackDirectory } from '../users.js';
import { loadActionView, type ActionView, type RoundView } from './action-view.js';
import type { TailEvent } from './audit-tail.js';

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
   * The first wait before an action whose messages could not be brought up to date is synced
   * again (the tail's poll interval); it doubles up to `RETRY_MAX_DELAY_POLLS` polls.
   */
  retryDelayMs: number;
}

/** The longest wait between two retries of an action's messages, in polls of the audit tail. */
const RETRY_MAX_DELAY_POLLS = 12;
/** How long an action's messages are retried before the notifier gives up on them (and says so in its log). */
const RETRY_GIVE_UP_MS = 60 * 60_000;

/** An action some of whose messages are behind what it shows now: why, and when to try again. */
interface Behind {
  since: number;
  attempts: number;
  dueAt: number;
  reason: string;
}

/** What admission decided, as its `action.classified` row says. */
type Classified = AuditEventOf<'action.classified'>['payload'];

type MessageKind = 'approval' | 'escalation' | 'direct' | 'notice';

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
  /** Actions whose last sync left a message behind (a Slack call failed): synced again by retryBehind. */
  private readonly behind = new Map<string, Behind>();

  constructor(private readonly deps: NotifierDeps) {}

  /**
   * Syncs again every action whose messages a failed Slack call left behind and whose wait is
   * over (called at each pass of the audit tail): without it, a failure at an action's last
   * event (the decision, the tool's result) would leave the message showing an earlier state,
   * buttons and all, for good. Gives up after an hour, with an error naming the action.
   */
  async retryBehind(now = Date.now()): Promise<void> {
    for (const [actionId, entry] of [...this.behind]) {
      if (entry.dueAt > now) continue;
      if (now - entry.since >= RETRY_GIVE_UP_MS) {
        this.behind.delete(actionId);
        this.deps.logger.error(`gave up updating the Slack messages of action ${actionId} after ${entry.attempts} attempts; they may not show its current state: ${entry.reason}`);
        continue;
      }
      await this.syncSafely(actionId);
    }
  }

  /** How many actions have messages waiting for a retry. */
  get behindCount(): number {
    return this.behind.size;
  }

  async handle(events: readonly TailEvent[]): Promise<void> {
    const shown = new Set<string>();
    for (const event of events) if (event.actionId && SHOWN_EVENTS.has(event.type)) shown.add(event.actionId);
    // One read each for the whole batch, not per action: most actions ask for no notice and never wait for people.
    for (const { actionId, classification } of await this.noticesAsked(events)) await this.noticeSafely(actionId, classification);
    const waited = await this.actionsWithRounds([...shown]);
    for (const actionId of shown) if (waited.has(actionId)) await this.syncSafely(actionId);
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
   * the claim row (round 0) makes it exactly once across notifiers and replays.
   */
  async notice(actionId: string, classification: Classified): Promise<void> {
    const action = await this.deps.db.prisma.action.findUnique({ where: { id: actionId }, include: { agent: { select: { team: true } } } });
    if (!action) return;
    const { tier } = classification;
    const target = approvalChannel(this.deps.routes, { tier, team: action.agent.team });
    const row = await this.claim(actionId, 0, { target, kind: 'notice' });
    if (!row) return;
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
    await this.post(row, content, sha256Hex(JSON.stringify(content)));
  }

  private async noticeSafely(actionId: string, classification: Classified): Promise<void> {
    try {
      await this.notice(actionId, classification);
    } catch (error) {
      this.deps.logger.warn(`could not post the notice of action ${actionId}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Catch-up after a (re)start: approvals still open get their messages even if their events were missed. */
  async syncOpenApprovals(): Promise<void> {
    const open = await this.deps.db.prisma.approval.findMany({ where: { status: 'open' }, select: { actionId: true }, orderBy: { createdAt: 'asc' }, take: 500 });
    for (const actionId of new Set(open.map((a) => a.actionId))) await this.syncSafely(actionId);
  }

  /**
   * Brings every Slack message of the action up to date; posts the open round where it is not yet.
   * Returns why a message could not be (the first failed Slack call), undefined when all are.
   */
  async sync(actionId: string): Promise<string | undefined> {
    const view = await loadActionView(this.deps.db, actionId, this.deps.consoleUrl);
    if (!view) return undefined;
    let failure: string | undefined;
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
        try {
          // A claim whose post failed is retried while the round is open; a closed round is not posted late.
          if (!row.ts || !row.channel) {
            if (open) await this.post(row, content, hash);
          } else if (row.renderedHash !== hash) {
            await this.update({ ...row, channel: row.channel, ts: row.ts }, content, hash);
          }
        } catch (error) {
          // One unreachable channel or DM must not hold back the others.
          const reason = `message for action ${actionId} in ${row.target}: ${error instanceof Error ? error.message : String(error)}`;
          this.deps.logger.warn(reason);
          failure ??= reason;
        }
      }
    }
    return failure;
  }

  /** Syncs the action; one whose messages stay behind is remembered for retryBehind, with a growing wait. */
  private async syncSafely(actionId: string): Promise<void> {
    let failure: string | undefined;
    try {
      failure = await this.sync(actionId);
    } catch (error) {
      failure = `could not update the messages of action ${actionId}: ${error instanceof Error ? error.message : String(error)}`;
      this.deps.logger.warn(failure);
    }
    const now = Date.now();
    const earlier = this.behind.get(actionId);
    if (failure === undefined) {
      if (earlier) this.deps.logger.info(`the Slack messages of action ${actionId} are up to date again after ${earlier.attempts} failed attempts`);
      this.behind.delete(actionId);
      return;
    }
    const attempts = (earlier?.attempts ?? 0) + 1;
    const delay = this.deps.retryDelayMs * Math.min(2 ** (attempts - 1), RETRY_MAX_DELAY_POLLS);
    this.behind.set(actionId, { since: earlier?.since ?? now, attempts, dueAt: now + delay, reason: failure });
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
  private async post(row: MessageRow, content: SlackMessageContent, hash: string): Promise<void> {
    await awaitDurable(this.deps.db.pool);
    const posted = await this.deps.slack.chat.postMessage({ channel: row.target, text: content.text, blocks: content.blocks, unfurl_links: false, unfurl_media: false });
    if (!posted.ts || !posted.channel) throw new Error(`chat.postMessage to ${row.target} returned no message timestamp`);
    await this.deps.db.prisma.slackMessage.update({
      where: { actionId_round_target: { actionId: row.actionId, round: row.round, target: row.target } },
      data: { channel: posted.channel, ts: posted.ts, renderedHash: hash },
    });
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
