import { sha256Hex } from '@airlock/core/hashing';
import type { Db } from '@airlock/db';
import type { Logger } from '@slack/bolt';
import { approvalMessage } from '../blocks/approval-message.js';
import { approvalChannel, escalationChannel, type SlackRoutes } from '../routing.js';
import type { SlackDirectory } from '../users.js';
import { loadActionView, type ActionView, type RoundView } from './action-view.js';
import type { Attempt, FailedMessage } from './attempt.js';
import {
  claimMessage,
  dropMessage,
  hasResolvedDirect,
  isUnresolvedDirect,
  messageRow,
  messageRows,
  nameRecipient,
  unresolvedDirectTarget,
  unresolvedRecipient,
  type MessageRow,
  type Target,
} from './message-rows.js';
import { LostLeadError, type MessagePoster } from './posting.js';
import { classifySlackError, type SlackFailure } from './slack-errors.js';

export interface ApprovalSyncDeps {
  db: Db;
  routes: SlackRoutes;
  consoleUrl: string;
  /** Also DM each eligible approver who has a Slack account. */
  dmAssignees: boolean;
  directory: SlackDirectory;
  logger: Logger;
  poster: MessagePoster;
}

/**
 * Brings every Slack message of the action up to date; posts the open round where it is not yet.
 * Returns the messages a Slack call could not post or update, and the owed ones it need not.
 */
export async function syncApprovalMessages(deps: ApprovalSyncDeps, actionId: string): Promise<Attempt> {
  const view = await loadActionView(deps.db, actionId, deps.consoleUrl);
  if (!view) return { failed: [], settled: [] };
  const failed: FailedMessage[] = [];
  const settled: MessageRow[] = [];
  const rows = await messageRows(deps.db, actionId);
  const latest = view.rounds.at(-1);
  const claims = new Set<MessageRow>();
  for (const round of view.rounds) {
    const open = round === latest && round.card.status.kind === 'open';
    const mine = rows.filter((r) => r.round === round.card.round);
    // The round's DM to someone whose Slack account a lookup named is theirs: an unresolved row of theirs beside it
    // (a lookup that failed in a notifier that had not seen that DM yet) stands for nothing, and is neither owed nor given up.
    for (const row of mine.filter((r) => isUnresolvedDirect(r) && hasResolvedDirect(mine, unresolvedRecipient(r)))) {
      await dropMessage(deps.db, row);
      mine.splice(mine.indexOf(row), 1);
    }
    const content = approvalMessage(round.card);
    const hash = sha256Hex(JSON.stringify(content));
    if (open) {
      const { targets, unresolved, resolved } = await roundTargets(deps, view, round);
      for (const target of targets) {
        let row = mine.find((r) => r.target === target.target);
        if (!row) {
          const claimed = await claimMessage(deps.db, actionId, round.card.round, target);
          if (claimed) claims.add(claimed);
          // Claimed since the rows were read: by a process that lost the lead meanwhile, which sends nothing more (LostLeadError),
          // so the row is kept up to date below like any other (an unposted one looked for in Slack first, then posted).
          row = claimed ?? (await messageRow(deps.db, actionId, round.card.round, target.target));
          if (!row) continue;
          mine.push(row);
        }
        // A DM claimed before rows named their recipient (found by email then): named now, so a lookup that fails later finds it.
        if (target.airlockUserId && row.airlockUserId === null) mine[mine.indexOf(row)] = await nameRecipient(deps.db, row, target.airlockUserId);
      }
      // A DM whose recipient Slack could not name is owed like a failed post, on a row of its own: the retry pass looks them up again.
      // Not when the round already has their DM (a lookup answered before a restart or the cache's expiry): that row is kept up to date below.
      for (const { userId, failure } of unresolved) {
        if (hasResolvedDirect(mine, userId)) continue;
        const target = unresolvedDirectTarget(userId);
        const row = mine.find((r) => r.target === target) ?? (await claimMessage(deps.db, actionId, round.card.round, { target, kind: 'direct', airlockUserId: userId }));
        if (row) failed.push({ row, call: 'chat.postMessage', hash, failure });
      }
      for (const userId of resolved) {
        const row = mine.find((r) => r.target === unresolvedDirectTarget(userId));
        if (!row) continue;
        await dropMessage(deps.db, row);
        mine.splice(mine.indexOf(row), 1);
      }
    }
    for (const mineRow of mine) {
      // Never posted: the lookups above settle it while the round is open; once it closes, it is given up like an unposted post.
      if (isUnresolvedDirect(mineRow)) {
        if (!open && mineRow.owedSince) settled.push(mineRow);
        continue;
      }
      let row = mineRow;
      let call: FailedMessage['call'] = 'chat.postMessage';
      try {
        // A row without a timestamp that this pass did not just claim may have been posted already.
        if (!claims.has(row)) row = await deps.poster.recovered(row);
        const posted = row.ts && row.channel ? { ...row, channel: row.channel, ts: row.ts } : undefined;
        // A claim whose post failed is retried while the round is open; a closed round is not posted late.
        const next = posted ? (row.renderedHash !== hash ? 'chat.update' : undefined) : open ? 'chat.postMessage' : undefined;
        if (!next) {
          if (row.owedSince) settled.push(row);
          continue;
        }
        call = next;
        if (posted) await deps.poster.update(posted, content, hash);
        else await deps.poster.post(row, content, hash);
      } catch (error) {
        if (error instanceof LostLeadError) throw error;
        // One unreachable channel or DM must not hold back the others.
        const failure = classifySlackError(error);
        deps.logger.warn(`message for action ${actionId} in ${row.target}: ${call} failed: ${failure.error}`);
        failed.push({ row, call, hash, failure });
      }
    }
  }
  return { failed, settled };
}

/** Where the round's messages go, and the DM recipients Slack could not name now or did name (an account, or none). */
interface RoundTargets {
  targets: Target[];
  unresolved: { userId: string; failure: SlackFailure }[];
  resolved: string[];
}

/** The round's routed channel, each escalation's, and (dmAssignees) each eligible approver's DM. */
async function roundTargets(deps: ApprovalSyncDeps, view: ActionView, round: RoundView): Promise<RoundTargets> {
  const { routes } = deps;
  const main = approvalChannel(routes, { tier: round.card.tier, team: view.team });
  const result: RoundTargets = { targets: [{ target: main, kind: 'approval' }], unresolved: [], resolved: [] };
  for (const to of round.escalatedTo) {
    const channel = escalationChannel(routes, { to, tier: round.card.tier });
    if (channel && !result.targets.some((t) => t.target === channel)) result.targets.push({ target: channel, kind: 'escalation' });
  }
  if (deps.dmAssignees && round.eligibleApprovers.length > 0) {
    const users = await deps.db.prisma.user.findMany({ where: { id: { in: round.eligibleApprovers } }, select: { id: true, email: true }, orderBy: { id: 'asc' } });
    for (const user of users) {
      let slackUser: string | undefined;
      try {
        slackUser = await deps.directory.slackUserFor(user);
      } catch (error) {
        // Slack could not say who they are right now (a rate limit, its side): this pass posts the others.
        const failure = classifySlackError(error);
        deps.logger.warn(`could not look up the Slack account of ${user.id} to DM them about action ${view.actionId}: ${failure.error}`);
        result.unresolved.push({ userId: user.id, failure: { ...failure, error: `users.lookupByEmail: ${failure.error}` } });
        continue;
      }
      result.resolved.push(user.id);
      if (slackUser) result.targets.push({ target: slackUser, kind: 'direct', airlockUserId: user.id });
    }
  }
  return result;
}
