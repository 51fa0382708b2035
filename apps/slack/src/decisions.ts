import { roleAtLeast, type Role } from '@airlock/core';
import { DecisionRejectedError, InvalidRequestError } from '@airlock/core/gateway';
import { appendAudit, type Db, type StandingApproval } from '@airlock/db';
import { approveAndRemember, decide, OpsError, rememberAccepted, userOperator, type Operator } from '@airlock/ops';
import type { Logger, webApi } from '@slack/bolt';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { code, escapeMrkdwn } from './blocks/format.js';
import type { DecisionRef } from './blocks/ids.js';
import type { SlackDirectory } from './users.js';

/** What every listener shares; injected so tests pass real Temporal and PostgreSQL. */
export interface ListenerDeps {
  db: Db;
  /** Must use the workers' data converter (payload encryption). */
  temporal: Client;
  directory: SlackDirectory;
  /** How long a click waits for a worker to confirm the decision. */
  decisionWaitMs: number;
  /**
   * How long a click on a message Slack has just posted waits for the notifier to record it
   * (POSTING_HERE); also bounded by that window. Short: a Deny's modal needs Slack's trigger within 3 s.
   */
  postWaitMs: number;
  logger: Logger;
}

export interface SlackDecision {
  slackUserId: string;
  slackTeamId: string | undefined;
  /** Where the clicker saw the message: refusals are answered there, ephemerally. */
  channel: string | undefined;
  /**
   * The message the button was on (a modal carries its opener's): it must be one Airlock posted
   * for this action, or the click is refused. undefined only for a modal opened without one.
   */
  messageTs: string | undefined;
  ref: DecisionRef;
  decision: 'approve' | 'deny';
  comment?: string;
  feedback?: string;
  /** Unique per interaction (action_ts, view id): keys the refusal's audit row. */
  interactionId: string;
  /** Slack's retry of a request whose first delivery was not acted on, as far as the guard knows. */
  retry?: boolean;
}

/**
 * Records a decision made in Slack, or tells the clicker (only them) why not and
 * audits the refusal. The workflow's validator is the authority on who may decide;
 * this only establishes who is clicking.
 */
export async function decideFromSlack(deps: ListenerDeps, slack: webApi.WebClient, input: SlackDecision): Promise<void> {
  const operator = await deciderOrRefuse(deps, slack, input);
  if (!operator) return;
  try {
    // The one decision use case every channel calls; the link or verified email said who is clicking. A success shows
    // in the message, which follows the audit rows, so the click does not wait for the run to store the decision (the
    // reads would only compete with the run's claim for the machine).
    await decide({ db: deps.db, temporal: deps.temporal, waitMs: deps.decisionWaitMs, awaitStored: false }, operator, {
      actionId: input.ref.actionId,
      decision: input.decision,
      argsHash: input.ref.argsHash,
      ...(input.comment ? { comment: input.comment } : {}),
      ...(input.feedback ? { feedback: input.feedback } : {}),
    });
  } catch (error) {
    await answerFailure(deps, slack, input, operator.userId, error);
  }
}

/** What an approver chose in the approve-and-remember modal. */
export interface SlackRemember {
  bounds: { arg: string; kind: string; value?: string }[];
  maxUses: number;
  validForHours: number;
  reason?: string;
}

/**
 * Approves and remembers from Slack through the one use case: a grant that would
 * be refused is refused before deciding, and a refused decision grants nothing;
 * either way only the clicker is told why (and the refusal is audited).
 */
export async function rememberFromSlack(deps: ListenerDeps, slack: webApi.WebClient, input: SlackDecision, remember: SlackRemember): Promise<void> {
  const operator = await deciderOrRefuse(deps, slack, input);
  if (!operator) return;
  try {
    const remembered = await approveAndRemember({ db: deps.db, temporal: deps.temporal, waitMs: deps.decisionWaitMs }, operator, {
      actionId: input.ref.actionId,
      argsHash: input.ref.argsHash,
      ...remember,
    });
    // Accepted but not stored within the wait (a loaded worker): said so, not "internal error, try again".
    await tell(slack, input, remembered.stored ? rememberedText(remembered.standingApproval) : `:hourglass: ${escapeMrkdwn(rememberAccepted(remembered.grantId))}`);
  } catch (error) {
    await answerFailure(deps, slack, input, operator.userId, error);
  }
}

/**
 * The answer to a granted approve-and-remember. The condition quotes the action's argument names and values, the
 * agent's text (JSON.stringify escapes neither backticks nor `<`): escaped, it cannot end its code span and show a
 * mention or a link of its own making.
 */
export function rememberedText(grant: Pick<StandingApproval, 'id' | 'tool' | 'agentId' | 'condition' | 'maxUses' | 'validUntil'>): string {
  const until = Math.floor(grant.validUntil.getTime() / 1000);
  return (
    `:white_check_mark: Approved and remembered: up to ${grant.maxUses} more ${code(grant.tool)} requests by ${escapeMrkdwn(grant.agentId)} where ${code(grant.condition)}` +
    ` run without waiting until <!date^${until}^{date_short_pretty} {time}|${grant.validUntil.toISOString()}> (standing approval ${escapeMrkdwn(grant.id)}).`
  );
}

/** Tells the clicker why their decision was not recorded; refusals are audited, internal errors logged. */
async function answerFailure(deps: ListenerDeps, slack: webApi.WebClient, input: SlackDecision, approverId: string | null, error: unknown): Promise<void> {
  if (error instanceof OpsError && error.code === 'unavailable') {
    // Not a refusal: the decision may still be applied once a worker runs.
    await tell(
      slack,
      input,
      `:hourglass: No worker confirmed your decision within ${Math.round(deps.decisionWaitMs / 1000)} s. It may still be applied: check the message before deciding again.`,
    );
  } else if (error instanceof OpsError) {
    await refuse(deps, slack, input, error.message, approverId);
  } else if (error instanceof DecisionRejectedError) {
    if (input.retry && error.closed && approverId && (await sameDecisionRecorded(deps, input, approverId))) {
      // The first delivery got as far as deciding before its process died (or its ack was lost): the
      // workflow refused the retry as a duplicate, and the clicker's decision stands; "not recorded" would be false.
      deps.logger.info(`a retried ${input.decision} of action ${input.ref.actionId} by ${approverId} was already recorded by its first delivery`);
      return;
    }
    await refuse(deps, slack, input, error.message, approverId, error.closed);
  } else if (error instanceof InvalidRequestError) {
    await refuse(deps, slack, input, error.issues, approverId);
  } else if (error instanceof WorkflowNotFoundError) {
    await refuse(deps, slack, input, 'Airlock does not know this action', approverId);
  } else {
    deps.logger.error(`recording a decision on ${input.ref.actionId} failed: ${error instanceof Error ? error.message : String(error)}`);
    await tell(slack, input, ':warning: Airlock could not record your decision because of an internal error. Try again, or decide in the console.');
  }
}

/**
 * The clicked message is one Airlock posted for the action: its channel and timestamp, as Slack
 * answered chat.postMessage (no timestamp: a modal opened without one). $1 action, $3 the click's
 * channel, $4 its message timestamp, $5 the clicker's Slack user id (POSTING_HERE).
 */
const ON_OUR_MESSAGE = `($4::text IS NULL OR EXISTS (SELECT 1 FROM slack_messages WHERE action_id = $1 AND channel = $3 AND ts = $4))`;

/** How long ago a post may have started (its claim, or its latest attempt) and still be waited for. */
const POST_IN_FLIGHT_SECONDS = 10;

/**
 * A post of the action that may be in flight to where the click came from: Slack may have answered
 * (the person sees the message) while the notifier is still writing its timestamp. Its target is
 * the click's channel, or, for a direct message, the clicker, with the click from a DM (D…). A post
 * that failed leaves the same row, so this only makes the click wait for ON_OUR_MESSAGE, never pass.
 */
const POSTING_HERE = `($4::text IS NOT NULL AND EXISTS (
  SELECT 1 FROM slack_messages WHERE action_id = $1 AND ts IS NULL
  AND updated_at > now() - interval '${POST_IN_FLIGHT_SECONDS} seconds'
  AND (target = $3 OR (target = $5 AND $3 LIKE 'D%'))))`;

/** Waits while a post to where the click came from is in flight; true once the clicked message is recorded as it. */
async function postedHere(deps: ListenerDeps, input: SlackDecision): Promise<boolean> {
  deps.logger.info(`a click on action ${input.ref.actionId} waits for the notifier to record the message Slack has just posted`);
  const deadline = Date.now() + deps.postWaitMs;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    // $2 (the round) is the first read's; typed here so the statement takes the same parameters.
    const { rows } = await deps.db.pool.query<{ on_our_message: boolean; posting: boolean }>(
      `SELECT ${ON_OUR_MESSAGE} AS on_our_message, ${POSTING_HERE} AS posting, $2::int AS round`,
      [input.ref.actionId, input.ref.round, input.channel ?? null, input.messageTs ?? null, input.slackUserId],
    );
    if (rows[0]?.on_our_message) return true;
    if (!rows[0]?.posting || Date.now() >= deadline) return false;
  }
}

/** Whether this person's decision of this kind is recorded in the round the click names. */
async function sameDecisionRecorded(deps: ListenerDeps, input: SlackDecision, approverId: string): Promise<boolean> {
  const { rowCount } = await deps.db.pool.query(
    `SELECT 1 FROM approval_decisions d JOIN approvals a ON a.id = d.approval_id
     WHERE a.action_id = $1 AND a.round = $2 AND d.user_id = $3 AND d.decision = $4::"DecisionKind"`,
    [input.ref.actionId, input.ref.round, approverId, input.decision],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * The clicker as an operator when they may decide this approval round: known to
 * Airlock (link or confirmed email), not disabled, and with a role that reaches
 * the round's (an escalated round's: the approver role). Otherwise refused at the click
 * (ephemeral + audit) before any modal opens. Groups, escalation targets, quorum and
 * separation of duties stay the decision use case's and the workflow's to judge.
 */
export async function deciderOrRefuse(deps: ListenerDeps, slack: webApi.WebClient, input: SlackDecision): Promise<Operator | undefined> {
  // Independent reads, so one round trip's wait: who is clicking, what the round asks for, and whether the button is on our message.
  const [identity, round] = await Promise.all([
    deps.directory.identify(input.slackUserId),
    // Plain SQL: on every click's path before the decision (Prisma's client costs about a millisecond more here).
    deps.db.pool
      .query<{ approver_role: Role | null; on_our_message: boolean; posting: boolean }>(
        // An escalated round also admits the approvers it escalated to (a group's, role:<role>): only the approver role is asked here then.
        `SELECT (SELECT CASE WHEN escalation_level > 0 THEN 'approver' ELSE approver_role::text END FROM approvals WHERE action_id = $1 AND round = $2) AS approver_role,
                ${ON_OUR_MESSAGE} AS on_our_message, ${POSTING_HERE} AS posting`,
        [input.ref.actionId, input.ref.round, input.channel ?? null, input.messageTs ?? null, input.slackUserId],
      )
      .then(({ rows }) => ({ approverRole: rows[0]?.approver_role ?? null, onOurMessage: rows[0]?.on_our_message === true, posting: rows[0]?.posting === true })),
  ]);
  // A button's value names the action it decides; only on a message Airlock posted for that action does it show
  // that action. Anything else (a message someone posted with the bot token, buttons copied onto it) is refused.
  const onOurMessage = round.onOurMessage || (round.posting && (await postedHere(deps, input)));
  if (!onOurMessage) {
    await refuse(
      deps,
      slack,
      input,
      `this button is not on a message Airlock posted for action ${input.ref.actionId}; decide from the action's own message or in the console`,
      identity.ok ? identity.user.id : null,
    );
    return undefined;
  }
  if (!identity.ok) {
    await refuse(deps, slack, input, identity.reason);
    return undefined;
  }
  const { user } = identity;
  if (user.disabledAt) {
    await refuse(deps, slack, input, 'your Airlock account is disabled', user.id);
    return undefined;
  }
  // Deciding anything takes at least the approver role; a round may ask for more (admin).
  const required: Role = round.approverRole && roleAtLeast(round.approverRole, 'approver') ? round.approverRole : 'approver';
  if (!roleAtLeast(user.role, required)) {
    await refuse(deps, slack, input, `deciding this approval needs the ${required} role or higher, and your Airlock role is ${user.role}`, user.id);
    return undefined;
  }
  return userOperator(user, 'slack');
}

/** `alreadyDecided`: the round takes no more decisions from this person (a double or late click), not the clicker's mistake. */
async function refuse(deps: ListenerDeps, slack: webApi.WebClient, input: SlackDecision, reason: string, airlockUserId?: string | null, alreadyDecided = false): Promise<void> {
  await appendAudit(deps.db, {
    eventKey: `${input.ref.actionId}:slack.decision_refused:${input.ref.round}:${input.slackUserId}:${input.interactionId}`,
    actionId: input.ref.actionId,
    type: 'slack.decision_refused',
    actor: airlockUserId ? `user:${airlockUserId}` : `slack:${input.slackUserId}`,
    payload: {
      slackUserId: input.slackUserId,
      slackTeamId: input.slackTeamId ?? null,
      airlockUserId: airlockUserId ?? null,
      decision: input.decision,
      round: input.ref.round,
      reason,
    },
  });
  await tell(slack, input, refusalText(input.decision, reason, alreadyDecided));
}

/**
 * What the clicker is told of a refusal. Reasons can quote what the agent chose (an argument's name in a refused
 * bound, an action id): escaped, as everything an agent wrote is.
 */
export function refusalText(decision: 'approve' | 'deny', reason: string, alreadyDecided = false): string {
  const what = decision === 'approve' ? 'approval' : 'denial';
  // A double click or a late click on a closed round: not an error of the clicker's; the reason says who closed it.
  return `${alreadyDecided ? ':information_source:' : ':no_entry:'} Your ${what} was not recorded: ${escapeMrkdwn(reason)}.`;
}

/** An ephemeral answer in the conversation the click came from; a DM when there is none. */
export async function tell(slack: webApi.WebClient, input: SlackDecision, text: string): Promise<void> {
  if (input.channel) await slack.chat.postEphemeral({ channel: input.channel, user: input.slackUserId, text });
  else await slack.chat.postMessage({ channel: input.slackUserId, text });
}
