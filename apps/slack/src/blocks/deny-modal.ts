import type { types } from '@slack/bolt';
import { escapeMrkdwn } from './format.js';
import { COMMENT_BLOCK, DENY_MODAL, DenyModalState, FEEDBACK_BLOCK, TEXT_INPUT } from './ids.js';

/** Asks the approver why, in two parts: feedback the model reads, and an optional reason for people. */
export function denyModal(state: DenyModalState, summary: { tool: string }): types.ModalView {
  return {
    type: 'modal',
    callback_id: DENY_MODAL,
    private_metadata: JSON.stringify(state),
    title: { type: 'plain_text', text: 'Deny request' },
    submit: { type: 'plain_text', text: 'Deny' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `Deny \`${escapeMrkdwn(summary.tool)}\` for action ${escapeMrkdwn(state.actionId)}.` } },
      {
        type: 'input',
        block_id: FEEDBACK_BLOCK,
        label: { type: 'plain_text', text: 'Feedback for the agent' },
        hint: { type: 'plain_text', text: 'The model reads this to change its next attempt.' },
        element: { type: 'plain_text_input', action_id: TEXT_INPUT, multiline: true, max_length: 4000 },
      },
      {
        type: 'input',
        block_id: COMMENT_BLOCK,
        optional: true,
        label: { type: 'plain_text', text: 'Reason' },
        hint: { type: 'plain_text', text: 'Shown to people and kept in the audit log.' },
        element: { type: 'plain_text_input', action_id: TEXT_INPUT, max_length: 2000 },
      },
    ],
  };
}

export interface DenySubmission {
  state: DenyModalState;
  feedback?: string;
  comment?: string;
}

type StateValues = Record<string, Record<string, { value?: string | null } | undefined> | undefined>;

/** undefined when the modal's metadata is not ours (never trust a view blindly). */
export function readDenySubmission(view: { private_metadata: string; state: { values: StateValues } }): DenySubmission | undefined {
  let state: DenyModalState;
  try {
    const parsed = DenyModalState.safeParse(JSON.parse(view.private_metadata));
    if (!parsed.success) return undefined;
    state = parsed.data;
  } catch {
    return undefined;
  }
  const text = (block: string) => view.state.values[block]?.[TEXT_INPUT]?.value?.trim() || undefined;
  const feedback = text(FEEDBACK_BLOCK);
  const comment = text(COMMENT_BLOCK);
  return { state, ...(feedback ? { feedback } : {}), ...(comment ? { comment } : {}) };
}
