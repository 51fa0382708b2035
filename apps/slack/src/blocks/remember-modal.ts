import { ApproveAndRememberInput, MAX_GRANT_HOURS, RememberBound, type RememberableArg } from '@airlock/ops';
import type { types } from '@slack/bolt';
import type { z } from 'zod';
import { code, escapeMrkdwn, truncate } from './format.js';
import { BOUND_BLOCK_PREFIX, CAP_BLOCK_PREFIX, HOURS_BLOCK, REASON_BLOCK, REMEMBER_MODAL, RememberModalState, TEXT_INPUT, USES_BLOCK } from './ids.js';
import { modalView, readModalState, textInput, textValue, type ModalValues } from './modal.js';

/** How many arguments one standing approval can be bound on (the use case's `bounds`, at most 20). */
export const MAX_BOUNDS = 20;
/** Slack refuses a modal of more than 100 blocks (views.open fails). */
const MODAL_BLOCKS_MAX = 100;
/** The blocks besides the arguments': the summary, the note, uses, hours, reason. */
const FIXED_BLOCKS = 5;
/** The cap input's length: a cap the use case takes (RememberBound's, 40 characters). */
const CAP_MAX_LENGTH = 40;
const USES_MAX = 10_000;

const option = (value: string, text: string): types.PlainTextOption => ({ value, text: { type: 'plain_text', text: truncate(text, 75) } });

/**
 * A bound's option value names its argument (`same:<arg>`, `at_most:<arg>`; 108 characters at most, under Slack's
 * 150): block ids are the argument's index, so no argument name can take one past Slack's 255 characters.
 */
const boundValue = (kind: RememberBound['kind'], arg: string) => `${kind}:${arg}`;

/** An argument name the use case can bind on as it is: 1 to 100 characters, nothing trimmed away. */
const bindable = (arg: string) => RememberBound.safeParse({ arg, kind: 'same' }).data?.arg === arg;

/** This action's value as a cap the input can hold and the use case takes, or undefined (the approver types one). */
function capFrom(a: RememberableArg): string | undefined {
  const parsed = RememberBound.safeParse({ arg: 'x', kind: 'at_most', value: a.value }).data;
  return a.value.length <= CAP_MAX_LENGTH && parsed?.kind === 'at_most' && parsed.value === a.value ? a.value : undefined;
}

/** The arguments the modal shows, within Slack's block limit, and what it had to leave out. */
function layout(args: RememberableArg[]): { shown: RememberableArg[]; unnamed: number; overflow: number } {
  const named = args.filter((a) => bindable(a.arg));
  const shown: RememberableArg[] = [];
  let blocks = FIXED_BLOCKS;
  for (const a of named) {
    const needs = a.kinds.includes('at_most') ? 2 : 1;
    if (blocks + needs > MODAL_BLOCKS_MAX) break;
    blocks += needs;
    shown.push(a);
  }
  return { shown, unnamed: args.length - named.length, overflow: named.length - shown.length };
}

/** What the note under the arguments says about those the modal does not bind. */
function noteText(unnamed: number, overflow: number, startAny: number): string {
  const left = [
    ...(unnamed > 0 ? [`${unnamed} whose name${unnamed === 1 ? ' is' : 's are'} too long to bind (over 100 characters)`] : []),
    ...(overflow > 0 ? [`${overflow} more than this form can show`] : []),
  ];
  const notListed = `Arguments not listed here may take any value (nested or redacted values cannot be bound${left.length > 0 ? `; left out: ${left.join(', ')}` : ''}).`;
  const any = startAny > 0 ? ` At most ${MAX_BOUNDS} arguments can be bound: the ${startAny} after the ${MAX_BOUNDS}th start as any value.` : '';
  return `${notListed}${any}`;
}

/**
 * Approve and remember: the scope of the standing approval, pre-filled from this
 * action. Per argument a bound (any value, this value, or at most a cap that
 * starts at this value), then the number of uses and the hours it lasts.
 */
export function rememberModal(state: RememberModalState, summary: { tool: string; agentId: string; args: RememberableArg[] }): types.ModalView {
  const { shown, unnamed, overflow } = layout(summary.args);
  const bounds: types.KnownBlock[] = shown.flatMap((a, index): types.KnownBlock[] => {
    const any = option('any', 'any value');
    const same = option(boundValue('same', a.arg), `same: ${a.value}`);
    const atMost = option(boundValue('at_most', a.arg), 'at most the cap below');
    const capable = a.kinds.includes('at_most');
    const cap = capable ? capFrom(a) : undefined;
    // The first MAX_BOUNDS start bound (the use case takes no more); a cap this action's value cannot fill starts as "same".
    const initial = index >= MAX_BOUNDS ? any : cap !== undefined ? atMost : same;
    const select: types.InputBlock = {
      type: 'input',
      block_id: `${BOUND_BLOCK_PREFIX}${index}`,
      label: { type: 'plain_text', text: truncate(a.arg, 150) },
      element: { type: 'static_select', action_id: TEXT_INPUT, options: [any, same, ...(capable ? [atMost] : [])], initial_option: initial },
    };
    if (!capable) return [select];
    const capInput = textInput({
      blockId: `${CAP_BLOCK_PREFIX}${index}`,
      label: truncate(`${a.arg}: cap`, 150),
      optional: true,
      maxLength: CAP_MAX_LENGTH,
      ...(cap !== undefined ? { initialValue: cap } : { hint: `This action's value is longer than ${CAP_MAX_LENGTH} characters: type a cap to use "at most".` }),
    });
    return [select, capInput];
  });
  const startAny = Math.max(0, shown.length - MAX_BOUNDS);
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
          text: `Approve ${code(summary.tool)} for action ${escapeMrkdwn(state.actionId)}, and let later requests by *${escapeMrkdwn(summary.agentId)}* within these bounds run without waiting.`,
        },
      },
      ...bounds,
      { type: 'context', elements: [{ type: 'mrkdwn', text: noteText(unnamed, overflow, startAny) }] },
      {
        type: 'input',
        block_id: USES_BLOCK,
        label: { type: 'plain_text', text: 'Uses' },
        element: { type: 'number_input', action_id: TEXT_INPUT, is_decimal_allowed: false, min_value: '1', max_value: String(USES_MAX), initial_value: '10' },
      },
      {
        type: 'input',
        block_id: HOURS_BLOCK,
        label: { type: 'plain_text', text: 'Expires after (hours)' },
        element: { type: 'number_input', action_id: TEXT_INPUT, is_decimal_allowed: true, min_value: '1', max_value: String(MAX_GRANT_HOURS), initial_value: '24' },
      },
      textInput({ blockId: REASON_BLOCK, label: 'Reason', hint: 'Kept with the standing approval and in the audit log.', optional: true, maxLength: 2000 }),
    ],
  });
}

export interface RememberSubmission {
  state: RememberModalState;
  bounds: { arg: string; kind: string; value?: string }[];
  /** Per bound, the blocks it was read from: where an error about it is shown. */
  boundBlocks: { bound: string; cap: string }[];
  maxUses: number;
  validForHours: number;
  reason?: string;
}

/** undefined when the modal's metadata is not ours. */
export function readRememberSubmission(view: { private_metadata: string; state: { values: ModalValues } }): RememberSubmission | undefined {
  const state = readModalState(RememberModalState, view.private_metadata);
  if (!state) return undefined;
  const values = view.state.values;
  const text = (block: string) => textValue(values, block);
  const bounds: RememberSubmission['bounds'] = [];
  const boundBlocks: RememberSubmission['boundBlocks'] = [];
  const blocks = Object.keys(values)
    .filter((block) => block.startsWith(BOUND_BLOCK_PREFIX))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  for (const block of blocks) {
    const chosen = values[block]?.[TEXT_INPUT]?.selected_option?.value;
    if (!chosen || chosen === 'any') continue;
    const suffix = block.slice(BOUND_BLOCK_PREFIX.length);
    const colon = chosen.indexOf(':');
    // A modal opened before options named their argument named it in its block ids (`bound:<arg>`, `cap:<arg>`).
    const [kind, arg] = colon < 0 ? [chosen, suffix] : [chosen.slice(0, colon), chosen.slice(colon + 1)];
    const cap = `${CAP_BLOCK_PREFIX}${suffix}`;
    bounds.push(kind === 'at_most' ? { arg, kind, value: text(cap) ?? '' } : { arg, kind });
    boundBlocks.push({ bound: block, cap: cap in values ? cap : block });
  }
  const reason = text(REASON_BLOCK);
  return { state, bounds, boundBlocks, maxUses: Number(text(USES_BLOCK)), validForHours: Number(text(HOURS_BLOCK)), ...(reason ? { reason } : {}) };
}

/** Why a number field is refused, from the use case's own schema. */
function numberError(schema: z.ZodType, value: number, what: string): string | undefined {
  const issue = schema.safeParse(value).error?.issues[0];
  if (!issue) return undefined;
  if (issue.code === 'too_big') return `At most ${String(issue.maximum)}.`;
  if (issue.code === 'too_small') return issue.inclusive === false ? `More than ${String(issue.minimum)}.` : `At least ${String(issue.minimum)}.`;
  return `Enter ${what}.`;
}

/**
 * Per field (block id), why the use case would refuse what was submitted: a cap cleared or not a number, more than
 * MAX_BOUNDS arguments bound, uses or hours out of range, a reason it cannot store. Answered as
 * `response_action: errors`, the modal stays open with what the person chose, instead of closing on a refusal that
 * loses it. What needs the action's arguments (a cap of the argument's kind) stays the use case's to say.
 * undefined when nothing is wrong here.
 */
export function rememberSubmissionErrors(submission: RememberSubmission): Record<string, string> | undefined {
  const errors: Record<string, string> = {};
  const { shape } = ApproveAndRememberInput;
  const uses = numberError(shape.maxUses, submission.maxUses, 'a whole number of uses');
  if (uses) errors[USES_BLOCK] = uses;
  const hours = numberError(shape.validForHours, submission.validForHours, 'a number of hours');
  if (hours) errors[HOURS_BLOCK] = hours;
  submission.bounds.forEach((bound, index) => {
    const blocks = submission.boundBlocks[index];
    if (!blocks) return;
    if (index >= MAX_BOUNDS) {
      errors[blocks.bound] = `At most ${MAX_BOUNDS} arguments can be bound: choose "any value" here or for another argument.`;
      return;
    }
    if (bound.kind === 'at_most') {
      const cap = bound.value ?? '';
      if (!cap) {
        errors[blocks.cap] = 'Enter a cap, or choose another bound.';
        return;
      }
      if (!Number.isFinite(Number(cap))) {
        errors[blocks.cap] = 'Enter a number, like 125.00.';
        return;
      }
    }
    const issue = RememberBound.safeParse(bound).error?.issues[0];
    if (issue) errors[issue.path[0] === 'value' ? blocks.cap : blocks.bound] = `This bound cannot be used: ${issue.message}.`;
  });
  if (submission.reason !== undefined) {
    const issue = shape.reason.safeParse(submission.reason).error?.issues[0];
    if (issue) errors[REASON_BLOCK] = issue.code === 'too_big' ? `At most 2000 characters, and this has ${submission.reason.length}: shorten it.` : `This text ${issue.message}.`;
  }
  return Object.keys(errors).length > 0 ? errors : undefined;
}
