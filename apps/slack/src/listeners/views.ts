import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { denySubmissionErrors, readDenySubmission } from '../blocks/deny-modal.js';
import { DENY_MODAL, REMEMBER_MODAL } from '../blocks/ids.js';
import { readRememberSubmission, rememberSubmissionErrors } from '../blocks/remember-modal.js';
import { decideFromSlack, rememberFromSlack, type ListenerDeps } from '../decisions.js';
import { isRetry } from './actions.js';

// Listeners for modal submissions.

type ViewSubmission = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * The deny modal: text the decision would refuse keeps the modal open with the error under its
 * field; otherwise it closes at once (ack), then sends the denial with the feedback for the model.
 */
export function denySubmitted(deps: ListenerDeps) {
  return async ({ ack, body, view, client, logger, context }: ViewSubmission): Promise<void> => {
    const submission = readDenySubmission(view);
    if (!submission) {
      await ack();
      logger.warn('ignored a deny modal whose metadata is not an Airlock decision reference');
      return;
    }
    const errors = denySubmissionErrors(submission);
    if (errors) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    const { state } = submission;
    await decideFromSlack(deps, client, {
      slackUserId: body.user.id,
      slackTeamId: body.team?.id ?? body.user.team_id,
      channel: state.channel,
      messageTs: state.messageTs,
      ref: { actionId: state.actionId, round: state.round, argsHash: state.argsHash },
      decision: 'deny',
      ...(submission.feedback ? { feedback: submission.feedback } : {}),
      ...(submission.comment ? { comment: submission.comment } : {}),
      interactionId: view.id,
      retry: isRetry(context),
    });
  };
}

/**
 * The approve-and-remember modal: what the use case would refuse on its face (a cap cleared or not a number, more
 * than 20 bounds, uses or hours out of range) keeps the modal open with the error under its field; otherwise it
 * closes at once (ack), then approves and grants through the one use case.
 */
export function rememberSubmitted(deps: ListenerDeps) {
  return async ({ ack, body, view, client, logger, context }: ViewSubmission): Promise<void> => {
    const submission = readRememberSubmission(view);
    if (!submission) {
      await ack();
      logger.warn('ignored an approve-and-remember modal whose metadata is not an Airlock decision reference');
      return;
    }
    const errors = rememberSubmissionErrors(submission);
    if (errors) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    const { state, bounds, maxUses, validForHours, reason } = submission;
    await rememberFromSlack(
      deps,
      client,
      {
        slackUserId: body.user.id,
        slackTeamId: body.team?.id ?? body.user.team_id,
        channel: state.channel,
        messageTs: state.messageTs,
        ref: { actionId: state.actionId, round: state.round, argsHash: state.argsHash },
        decision: 'approve',
        interactionId: view.id,
        retry: isRetry(context),
      },
      { bounds, maxUses, validForHours, ...(reason ? { reason } : {}) },
    );
  };
}

export function register(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(DENY_MODAL, denySubmitted(deps));
  app.view<ViewSubmitAction>(REMEMBER_MODAL, rememberSubmitted(deps));
}
