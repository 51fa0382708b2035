import { sha256Hex } from '@airlock/core/hashing';
import type { Db } from '@airlock/db';
import type { Logger } from '@slack/bolt';
import { noticeMessage } from '../blocks/notice-message.js';
import { approvalChannel, type SlackRoutes } from '../routing.js';
import type { Attempt, Classified } from './attempt.js';
import { claimMessage, unpostedMessage } from './message-rows.js';
import { LostLeadError, type MessagePoster } from './posting.js';
import { classifySlackError } from './slack-errors.js';

export interface NoticeDeps {
  db: Db;
  routes: SlackRoutes;
  consoleUrl: string;
  logger: Logger;
  poster: MessagePoster;
}

/**
 * `allow_and_notify`: the policy let the action through and asks that people
 * know. One message (no buttons) to the channel its tier or team routes to;
 * the claim row (round 0) makes one notifier post it, once, across replays; a
 * claim whose post failed is posted by the next attempt, unless Slack had it after all
 * (recovered).
 * Returns the notice when Slack did not take it.
 */
export async function postNotice(deps: NoticeDeps, actionId: string, classification: Classified): Promise<Attempt> {
  const none: Attempt = { failed: [], settled: [] };
  const action = await deps.db.prisma.action.findUnique({ where: { id: actionId }, include: { agent: { select: { team: true } } } });
  if (!action) return none;
  const { tier } = classification;
  const target = approvalChannel(deps.routes, { tier, team: action.agent.team });
  const claimed = await claimMessage(deps.db, actionId, 0, { target, kind: 'notice' });
  const unposted = claimed ?? (await unpostedMessage(deps.db, actionId, 0, target));
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
    consoleUrl: deps.consoleUrl,
  });
  const hash = sha256Hex(JSON.stringify(content));
  let row = unposted;
  try {
    row = claimed ?? (await deps.poster.recovered(unposted));
    // Found in Slack: a notice never changes, so nothing is left to send.
    if (row.ts) return { failed: [], settled: row.owedSince ? [row] : [] };
    await deps.poster.post(row, content, hash);
    return none;
  } catch (error) {
    if (error instanceof LostLeadError) throw error;
    const failure = classifySlackError(error);
    deps.logger.warn(`could not post the notice of action ${actionId} to ${target}: ${failure.error}`);
    return { failed: [{ row, call: 'chat.postMessage', hash, failure }], settled: [] };
  }
}
