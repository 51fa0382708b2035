import { ApprovalDecision } from '@airlock/core';
import type { types } from '@slack/bolt';
import { escapeMrkdwn } from './format.js';
import { COMMENT_BLOCK, DENY_MODAL, DenyModalState, FEEDBACK_BLOCK } from './ids.js';
import { modalView, readModalState, textInput, textValue, type ModalValues } from './modal.js';

// The decision's own limits (what the workflow accepts); the inputs say them to Slack as well.
const FEEDBACK_MAX = 4000;
const COMMENT_MAX = 2000;

/** Asks the approver why, in two optional parts (as the console and the API do): feedback the model reads, and a reason; the agent receives both. */
export function denyModal(state: DenyModalState, summary: { tool: string }): types.ModalView {
  return modalView({
    callbackId: DENY_MODAL,
    state,
    title: 'Deny request',
    submit: 'Deny',
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `Deny \`${escapeMrkdwn(summary.tool)}\` for action ${escapeMrkdwn(state.actionId)}.` } },
      textInput({
        blockId: FEEDBACK_BLOCK,
        label: 'Feedback for the agent',
        hint: 'The model reads this to change its next attempt.',
        optional: true,
        multiline: true,
        maxLength: FEEDBACK_MAX,
      }),
      // The agent's outcome carries it as the denial's reason: not a note for people only.
      textInput({
        blockId: COMMENT_BLOCK,
        label: 'Reason',
        hint: 'Returned to the agent as the reason for the denial, and kept in the audit log.',
        optional: true,
        maxLength: COMMENT_MAX,
      }),
    ],
  });
}

export interface DenySubmission {
  state: DenyModalState;
  feedback?: string;
  comment?: string;
}

/** undefined when the modal's metadata is not ours. */
export function readDenySubmission(view: { private_metadata: string; state: { values: ModalValues } }): DenySubmission | undefined {
  const state = readModalState(DenyModalState, view.private_metadata);
  if (!state) return undefined;
  const feedback = textValue(view.state.values, FEEDBACK_BLOCK);
  const comment = textValue(view.state.values, COMMENT_BLOCK);
  return { state, ...(feedback ? { feedback } : {}), ...(comment ? { comment } : {}) };
}

/**
 * Per field (block id), why the workflow would refuse the typed text: too long, or holding a
 * character PostgreSQL cannot store (NUL). Slack enforces the lengths in its own client, not on
 * what reaches the app; answered as `response_action: errors`, the modal stays open with the
 * person's text, instead of closing on a refusal that loses it. undefined when both are fine.
 */
export function denySubmissionErrors(submission: DenySubmission): Record<string, string> | undefined {
  const errors: Record<string, string> = {};
  const fields = [
    [FEEDBACK_BLOCK, submission.feedback, ApprovalDecision.shape.feedback, FEEDBACK_MAX],
    [COMMENT_BLOCK, submission.comment, ApprovalDecision.shape.comment, COMMENT_MAX],
  ] as const;
  for (const [block, text, schema, max] of fields) {
    if (text === undefined) continue;
    const issue = schema.safeParse(text).error?.issues[0];
    if (!issue) continue;
    errors[block] = issue.code === 'too_big' ? `At most ${max} characters, and this has ${text.length}: shorten it.` : `This text ${issue.message}.`;
  }
  return Object.keys(errors).length > 0 ? errors : undefined;
}
