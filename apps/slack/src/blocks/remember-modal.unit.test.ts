import type { RememberableArg } from '@airlock/ops';
import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { HOURS_BLOCK, REASON_BLOCK, TEXT_INPUT, USES_BLOCK } from './ids.js';
import type { ModalValues } from './modal.js';
import { MAX_BOUNDS, readRememberSubmission, rememberModal, rememberSubmissionErrors } from './remember-modal.js';

const state = { actionId: 'act_1', round: 1, argsHash: 'a'.repeat(64), channel: 'C1', messageTs: '1800000000.000001' };
const open = (args: RememberableArg[]) => rememberModal(state, { tool: 'payments.refund', agentId: 'billing-bot', args });
const inputs = (view: types.ModalView) => view.blocks.filter((b): b is types.InputBlock => b.type === 'input');
const selects = (view: types.ModalView) => inputs(view).filter((b) => b.element.type === 'static_select');
const initial = (block: types.InputBlock) => (block.element.type === 'static_select' ? block.element.initial_option?.value : undefined);
const noteOf = (view: types.ModalView) => JSON.stringify(view.blocks.filter((b) => b.type === 'context'));

/** What Slack sends back for the modal untouched but for `chosen` (option values) and `typed` (text), as a person submits it. */
function submit(view: types.ModalView, chosen: Record<string, string> = {}, typed: Record<string, string> = {}) {
  const values: ModalValues = {};
  for (const block of inputs(view)) {
    const id = block.block_id!;
    const element = block.element;
    if (element.type === 'static_select') {
      const value = chosen[id];
      const option = value === undefined ? element.initial_option : element.options?.find((o) => o.value === value);
      values[id] = { [TEXT_INPUT]: { selected_option: option ? { value: option.value! } : null } };
    } else if (element.type === 'plain_text_input' || element.type === 'number_input') {
      values[id] = { [TEXT_INPUT]: { value: typed[id] ?? element.initial_value ?? null } };
    }
  }
  return readRememberSubmission({ private_metadata: view.private_metadata!, state: { values } })!;
}

const amount: RememberableArg = { arg: 'amount', value: '125.00', kinds: ['same', 'at_most'] };
const currency: RememberableArg = { arg: 'currency', value: 'USD', kinds: ['same'] };

describe('the approve-and-remember modal', () => {
  it('names its blocks by the argument’s index, not its name, and reads the bounds back by name', () => {
    const longName = `${'k'.repeat(99)}:`;
    const view = open([amount, currency, { arg: longName, value: 'x', kinds: ['same'] }]);
    expect(inputs(view).map((b) => b.block_id)).toEqual(['bound:0', 'cap:0', 'bound:1', 'bound:2', USES_BLOCK, HOURS_BLOCK, REASON_BLOCK]);
    expect(submit(view, {}, { 'cap:0': '150.00' })).toMatchObject({
      state,
      bounds: [
        { arg: 'amount', kind: 'at_most', value: '150.00' },
        { arg: 'currency', kind: 'same' },
        { arg: longName, kind: 'same' },
      ],
      maxUses: 10,
      validForHours: 24,
    });
    expect(submit(view, { 'bound:0': 'any', 'bound:2': 'any' }).bounds).toEqual([{ arg: 'currency', kind: 'same' }]);
  });

  it('leaves out, with a note, arguments whose names are too long to bind, instead of pre-selecting a bound the use case refuses', () => {
    const tooLong = 'n'.repeat(101);
    const view = open([{ arg: tooLong, value: '5', kinds: ['same', 'at_most'] }, { arg: ' padded', value: 'x', kinds: ['same'] }, currency]);
    expect(selects(view).map((b) => b.label.text)).toEqual(['currency']);
    expect(noteOf(view)).toContain('left out: 2 whose names are too long to bind (over 100 characters)');
    expect(submit(view).bounds).toEqual([{ arg: 'currency', kind: 'same' }]);
    expect(rememberSubmissionErrors(submit(view))).toBeUndefined();
  });

  it('does not pre-fill a cap longer than its input takes: the bound starts as "same", and the cap is typed', () => {
    const huge: RememberableArg = { arg: 'amount', value: `${'9'.repeat(45)}.00`, kinds: ['same', 'at_most'] };
    const view = open([huge]);
    const cap = inputs(view).find((b) => b.block_id === 'cap:0')!;
    expect(cap.element).toMatchObject({ type: 'plain_text_input', max_length: 40 });
    expect(cap.element).not.toHaveProperty('initial_value');
    expect(initial(selects(view)[0]!)).toBe('same:amount');
    expect(rememberSubmissionErrors(submit(view))).toBeUndefined();
  });

  it(`pre-selects a bound on the first ${MAX_BOUNDS} arguments only (the use case takes no more), the rest start as any value`, () => {
    const many = Array.from({ length: 25 }, (_, i): RememberableArg => ({ arg: `field${i}`, value: `v${i}`, kinds: ['same'] }));
    const view = open(many);
    expect(selects(view).map(initial)).toEqual([...many.slice(0, 20).map((a) => `same:${a.arg}`), ...Array<string>(5).fill('any')]);
    expect(noteOf(view)).toContain('the 5 after the 20th start as any value');
    expect(rememberSubmissionErrors(submit(view))).toBeUndefined();
  });

  it('stays within 100 blocks for many numeric arguments, and says how many it left out', () => {
    const many = Array.from({ length: 60 }, (_, i): RememberableArg => ({ arg: `n${i}`, value: String(i), kinds: ['same', 'at_most'] }));
    const view = open(many);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(selects(view)).toHaveLength(47);
    expect(noteOf(view)).toContain('left out: 13 more than this form can show');
    expect(rememberSubmissionErrors(submit(view))).toBeUndefined();
  });

  it('names the field the use case would refuse, so the modal stays open: a cleared or non-numeric cap, too many bounds, uses and hours out of range, a NUL in the reason', () => {
    const view = open([amount, currency]);
    expect(rememberSubmissionErrors(submit(view))).toBeUndefined();
    expect(rememberSubmissionErrors(submit(view, {}, { 'cap:0': '' }))).toEqual({ 'cap:0': 'Enter a cap, or choose another bound.' });
    expect(rememberSubmissionErrors(submit(view, {}, { 'cap:0': 'lots' }))).toEqual({ 'cap:0': 'Enter a number, like 125.00.' });
    // "same" needs no cap: a cleared one is fine then.
    expect(rememberSubmissionErrors(submit(view, { 'bound:0': 'same:amount' }, { 'cap:0': '' }))).toBeUndefined();
    expect(rememberSubmissionErrors(submit(view, {}, { [USES_BLOCK]: '0', [HOURS_BLOCK]: '5000' }))).toEqual({ [USES_BLOCK]: 'At least 1.', [HOURS_BLOCK]: 'At most 2160.' });
    expect(rememberSubmissionErrors(submit(view, {}, { [USES_BLOCK]: '', [HOURS_BLOCK]: '0' }))).toEqual({
      [USES_BLOCK]: 'Enter a whole number of uses.',
      [HOURS_BLOCK]: 'More than 0.',
    });
    expect(rememberSubmissionErrors(submit(view, {}, { [USES_BLOCK]: '2.5', [HOURS_BLOCK]: 'soon' }))).toEqual({
      [USES_BLOCK]: 'Enter a whole number of uses.',
      [HOURS_BLOCK]: 'Enter a number of hours.',
    });
    expect(rememberSubmissionErrors(submit(view, {}, { [REASON_BLOCK]: 'bad\u0000byte' }))).toEqual({
      [REASON_BLOCK]: 'This text must not contain NUL characters (PostgreSQL cannot store them).',
    });

    const many = Array.from({ length: 22 }, (_, i): RememberableArg => ({ arg: `field${i}`, value: `v${i}`, kinds: ['same'] }));
    const crowded = open(many);
    expect(rememberSubmissionErrors(submit(crowded, { 'bound:20': 'same:field20', 'bound:21': 'same:field21' }))).toEqual({
      'bound:20': 'At most 20 arguments can be bound: choose "any value" here or for another argument.',
      'bound:21': 'At most 20 arguments can be bound: choose "any value" here or for another argument.',
    });
  });

  it('still reads a modal opened before block ids were indexes (`bound:<arg>`, option values without the name)', () => {
    const values: ModalValues = {
      'bound:amount': { [TEXT_INPUT]: { selected_option: { value: 'at_most' } } },
      'cap:amount': { [TEXT_INPUT]: { value: '150.00' } },
      'bound:currency': { [TEXT_INPUT]: { selected_option: { value: 'same' } } },
      [USES_BLOCK]: { [TEXT_INPUT]: { value: '3' } },
      [HOURS_BLOCK]: { [TEXT_INPUT]: { value: '8' } },
    };
    expect(readRememberSubmission({ private_metadata: JSON.stringify(state), state: { values } })).toMatchObject({
      bounds: [
        { arg: 'amount', kind: 'at_most', value: '150.00' },
        { arg: 'currency', kind: 'same' },
      ],
      maxUses: 3,
      validForHours: 8,
    });
  });
});
