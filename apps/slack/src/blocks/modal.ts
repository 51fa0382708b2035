import type { types } from '@slack/bolt';
import type { z } from 'zod';
import { TEXT_INPUT } from './ids.js';

/** What Slack sends back with a submitted view: per block, per element, the value or the chosen option. */
export type ModalValues = Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null } | undefined> | undefined>;

/** A modal that carries its own state in private_metadata; Cancel closes it. */
export function modalView(spec: { callbackId: string; state: unknown; title: string; submit: string; blocks: types.KnownBlock[] }): types.ModalView {
  return {
    type: 'modal',
    callback_id: spec.callbackId,
    private_metadata: JSON.stringify(spec.state),
    title: { type: 'plain_text', text: spec.title },
    submit: { type: 'plain_text', text: spec.submit },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: spec.blocks,
  };
}

/** A free-text field read back with textValue(values, blockId). */
export function textInput(spec: {
  blockId: string;
  label: string;
  hint?: string;
  optional?: boolean;
  multiline?: boolean;
  maxLength: number;
  initialValue?: string;
}): types.InputBlock {
  return {
    type: 'input',
    block_id: spec.blockId,
    ...(spec.optional ? { optional: true } : {}),
    label: { type: 'plain_text', text: spec.label },
    ...(spec.hint ? { hint: { type: 'plain_text', text: spec.hint } } : {}),
    element: {
      type: 'plain_text_input',
      action_id: TEXT_INPUT,
      ...(spec.multiline ? { multiline: true } : {}),
      ...(spec.initialValue !== undefined ? { initial_value: spec.initialValue } : {}),
      max_length: spec.maxLength,
    },
  };
}

/** The trimmed text of a field; undefined when empty. */
export function textValue(values: ModalValues, blockId: string): string | undefined {
  return values[blockId]?.[TEXT_INPUT]?.value?.trim() || undefined;
}

/** A view's state, or undefined when its metadata is not ours (never trust a view blindly). */
export function readModalState<S extends z.ZodType>(schema: S, privateMetadata: string): z.infer<S> | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(privateMetadata));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
