import type { RememberableArg } from '@airlock/ops';
import type { types } from '@slack/bolt';
import { escapeMrkdwn, truncate } from './format.js';
import { BOUND_BLOCK_PREFIX, CAP_BLOCK_PREFIX, HOURS_BLOCK, REASON_BLOCK, REMEMBER_MODAL, RememberModalState, TEXT_INPUT, USES_BLOCK } from './ids.js';
import { modalView, readModalState, textInput, textValue, type ModalValues } from './modal.js';

const option = (value: string, text: string): types.PlainTextOption => ({ value, text: { type: 'plain_text', text: truncate(text, 75) } });

/**
 * Approve and remember: the scope of the standing approval, pre-filled from this
 * action. Per argument a bound (any value, this value, or at most a cap that
 * starts at this value), then the number of uses and the hours it lasts.
 */
export function rememberModal(state: RememberModalState, summary: { tool: string; agentId: string; args: RememberableArg[] }): types.ModalView {
  const bounds: types.KnownBlock[] = summary.args.flatMap((a): types.KnownBlock[] => {
    const same = option('same', `same: ${a.value}`);
    const atMost = option('at_most', 'at most the cap below');
    const select: types.InputBlock = {
      type: 'input',
      block_id: `${BOUND_BLOCK_PREFIX}${a.arg}`,
      label: { type: 'plain_text', text: truncate(a.arg, 150) },
      element: {
        type: 'static_select',
        action_id: TEXT_INPUT,
        options: [option('any', 'any value'), same, ...(a.kinds.includes('at_most') ? [atMost] : [])],
        initial_option: a.kinds.includes('at_most') ? atMost : same,
      },
    };
    if (!a.kinds.includes('at_most')) return [select];
    return [select, textInput({ blockId: `${CAP_BLOCK_PREFIX}${a.arg}`, label: truncate(`${a.arg}: cap`, 150), optional: true, initialValue: a.value, maxLength: 40 })];
  });
  return modalView({
    callbackId: REMEMBER_MODAL,
    state,
    title: 'Approve and remember',
    submit: 'Approve',
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Approve \`${escapeMrkdwn(summary.tool)}\` for action ${escapeMrkdwn(state.actionId)}, and let later requests by *${escapeMrkdwn(summary.agentId)}* within these bounds run without waiting.`,
        },
      },
      ...bounds,
      {
        type: 'input',
        block_id: USES_BLOCK,
        label: { type: 'plain_text', text: 'Uses' },
        element: { type: 'number_input', action_id: TEXT_INPUT, is_decimal_allowed: false, min_value: '1', max_value: '10000', initial_value: '10' },
      },
      {
        type: 'input',
        block_id: HOURS_BLOCK,
        label: { type: 'plain_text', text: 'Expires after (hours)' },
        element: { type: 'number_input', action_id: TEXT_INPUT, is_decimal_allowed: true, min_value: '1', max_value: '2160', initial_value: '24' },
      },
      textInput({ blockId: REASON_BLOCK, label: 'Reason', hint: 'Kept with the standing approval and in the audit log.', optional: true, maxLength: 2000 }),
    ],
  });
}

export interface RememberSubmission {
  state: RememberModalState;
  bounds: { arg: string; kind: string; value?: string }[];
  maxUses: number;
  validForHours: number;
  reason?: string;
}

/** undefined when the modal's metadata is not ours. Numbers are checked by the use case. */
export function readRememberSubmission(view: { private_metadata: string; state: { values: ModalValues } }): RememberSubmission | undefined {
  const state = readModalState(RememberModalState, view.private_metadata);
  if (!state) return undefined;
  const values = view.state.values;
  const text = (block: string) => textValue(values, block);
  const bounds: RememberSubmission['bounds'] = [];
  for (const [block, fields] of Object.entries(values)) {
    if (!block.startsWith(BOUND_BLOCK_PREFIX)) continue;
    const kind = fields?.[TEXT_INPUT]?.selected_option?.value;
    const arg = block.slice(BOUND_BLOCK_PREFIX.length);
    if (!kind || kind === 'any') continue;
    bounds.push(kind === 'at_most' ? { arg, kind, value: text(`${CAP_BLOCK_PREFIX}${arg}`) ?? '' } : { arg, kind });
  }
  const reason = text(REASON_BLOCK);
  return { state, bounds, maxUses: Number(text(USES_BLOCK)), validForHours: Number(text(HOURS_BLOCK)), ...(reason ? { reason } : {}) };
}
