import type { types } from '@slack/bolt';
import { escapeMrkdwn } from './format.js';
import { COMMENT_BLOCK, DENY_MODAL, DenyModalState, FEEDBACK_BLOCK } from './ids.js';
import { modalView, readModalState, textInput, textValue, type ModalValues } from './modal.js';

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
        maxLength: 4000,
      }),
      // The agent's outcome carries it as the denial's reason: not a note for people only.
      textInput({
        blockId: COMMENT_BLOCK,
        label: 'Reason',
        hint: 'Returned to the agent as the reason for the denial, and kept in the audit log.',
        optional: true,
        maxLength: 2000,
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
