import { decideAction, DecisionRejectedError, InvalidRequestError } from '@airlock/core/gateway';
import { appendAudit, type Db } from '@airlock/db';
import type { Logger, webApi } from '@slack/bolt';
import { WorkflowNotFoundError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import type { DecisionRef } from './blocks/ids.js';
import type { SlackDirectory } from './users.js';

/** Validator reasons that mean the round no longer takes this person's decision. */
const ALREADY_DECIDED = /already decided|not awaiting a decision|no longer awaiting/;

/** What every listener shares; injected so tests pass real Temporal and PostgreSQL. */
export interface ListenerDeps {
  db: Db;
  /** Must use the workers' data converter (payload encryption). */
  temporal: Client;
  directory: SlackDirectory;
  /** How long a click waits for a worker to confirm the decision. */
  decisionWaitMs: number;
  logger: Logger;
}

export interface SlackDecision {
  slackUserId: string;
  slackTeamId: string | undefined;
  /** Where the clicker saw the message: refusals are answered there, ephemerally. */
  channel: string | undefined;
  ref: DecisionRef;
  decision: 'approve' | 'deny';
  comment?: string;
  feedback?: string;
  /** Unique per interaction (action_ts, view id): keys the refusal's audit row. */
  interactionId: string;
}

/**
 * Records a decision made in Slack, or tells the clicker (only them) why not and
 * audits the refusal. The workflow's validator is the authority on who may decide;
 * this only establishes who is clicking.
 */
export async function decideFromSlack(deps: ListenerDeps, slack: webApi.WebClient, input: SlackDecision): Promise<void> {
  const approverId = await identifyOrRefuse(deps, slack, input);
  if (!approverId) return;
  try {
    await deps.temporal.withDeadline(Date.now() + deps.decisionWaitMs, () =>
      decideAction(deps.temporal, input.ref.actionId, {
        approverId,
        decision: input.decision,
        channel: 'slack',
        argsHash: input.ref.argsHash,
        ...(input.comment ? { comment: input.comment } : {}),
        ...(input.feedback ? { feedback: input.feedback } : {}),
      }),
    );
  } catch (error) {
    if (error instanceof DecisionRejectedError || error instanceof InvalidRequestError) {
      await refuse(deps, slack, input, error instanceof InvalidRequestError ? error.issues : error.message, approverId);
    } else if (error instanceof WorkflowNotFoundError) {
      await refuse(deps, slack, input, 'Airlock does not know this action', approverId);
    } else if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      // Not a refusal: the decision may still be applied once a worker runs.
      await tell(slack, input, `:hourglass: No worker confirmed your decision within ${Math.round(deps.decisionWaitMs / 1000)} s. It may still be applied: check the message before deciding again.`);
    } else {
      deps.logger.error(`recording a decision on ${input.ref.actionId} failed: ${error instanceof Error ? error.message : String(error)}`);
      await tell(slack, input, ':warning: Airlock could not record your decision because of an internal error. Try again, or decide in the console.');
    }
  }
}

/** The clicker's Airlock user id; an unknown clicker is refused (ephemeral + audit) and gets undefined. */
export async function identifyOrRefuse(deps: ListenerDeps, slack: webApi.WebClient, input: SlackDecision): Promise<string | undefined> {
  const identity = await deps.directory.identify(input.slackUserId);
  if (identity.ok) return identity.user.id;
  await refuse(deps, slack, input, identity.reason);
  return undefined;
}

async function refuse(deps: ListenerDeps, slack: webApi.WebClient, input: SlackDecision, reason: string, airlockUserId?: string): Promise<void> {
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
  const what = input.decision === 'approve' ? 'approval' : 'denial';
  // A double click or a late click on a closed round: say so plainly, it is not an error of the clicker's.
  const text = ALREADY_DECIDED.test(reason)
    ? `:information_source: Already decided: your ${what} was not recorded (${reason}).`
    : `:no_entry: Your ${what} was not recorded: ${reason}.`;
  await tell(slack, input, text);
}

/** An ephemeral answer in the conversation the click came from; a DM when there is none. */
async function tell(slack: webApi.WebClient, input: SlackDecision, text: string): Promise<void> {
  if (input.channel) await slack.chat.postEphemeral({ channel: input.channel, user: input.slackUserId, text });
  else await slack.chat.postMessage({ channel: input.slackUserId, text });
}
