import type { RememberableArg } from '@airlock/ops';
import { describe, expect, it } from 'vitest';
import { approvalMessage, CONFIRM_TEXT_MAX, type ApprovalCard } from './approval-message.js';
import { denyModal } from './deny-modal.js';
import { ACTION_APPROVE } from './ids.js';
import { noticeMessage } from './notice-message.js';
import { rememberModal } from './remember-modal.js';

// Slack refuses a whole message or modal when one field is over its limit (invalid_blocks, a permanent error: the
// message is given up). These build every message and modal from the longest values an agent can send and hold
// each field to Slack's documented limit.

type Json = Record<string, unknown>;
const str = (value: unknown) => (typeof value === 'string' ? value : '');
const textOf = (value: unknown) => str((value as Json | undefined)?.text);

/** Every field over its Block Kit limit, as `path: length > limit`. */
function overLimits(root: unknown, container: { maxBlocks: number }): string[] {
  const found: string[] = [];
  const check = (path: string, length: number, max: number) => {
    if (length > max) found.push(`${path}: ${length} > ${max}`);
  };
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((child, i) => walk(child, `${path}[${i}]`));
    if (node === null || typeof node !== 'object') return;
    const o = node as Json;
    if (typeof o.block_id === 'string') check(`${path}.block_id`, o.block_id.length, 255);
    if (typeof o.action_id === 'string') check(`${path}.action_id`, o.action_id.length, 255);
    switch (o.type) {
      case 'header':
        check(`${path}.text`, textOf(o.text).length, 150);
        break;
      case 'section':
        check(`${path}.text`, textOf(o.text).length, 3000);
        if (Array.isArray(o.fields)) {
          check(`${path}.fields`, o.fields.length, 10);
          o.fields.forEach((f, i) => check(`${path}.fields[${i}]`, textOf(f).length, 2000));
        }
        break;
      case 'context':
        (o.elements as Json[]).forEach((e, i) => check(`${path}.elements[${i}]`, textOf(e).length, 3000));
        break;
      case 'button':
        check(`${path}.text`, textOf(o.text).length, 75);
        check(`${path}.value`, str(o.value).length, 2000);
        check(`${path}.url`, str(o.url).length, 3000);
        break;
      case 'input':
        check(`${path}.label`, textOf(o.label).length, 2000);
        check(`${path}.hint`, textOf(o.hint).length, 2000);
        break;
      case 'plain_text_input':
        check(`${path}.initial_value`, str(o.initial_value).length, Number(o.max_length ?? 3000));
        check(`${path}.placeholder`, textOf(o.placeholder).length, 150);
        break;
      case 'static_select':
        check(`${path}.options`, (o.options as unknown[]).length, 100);
        check(`${path}.placeholder`, textOf(o.placeholder).length, 150);
        break;
    }
    if (o.confirm && typeof o.confirm === 'object') {
      const c = o.confirm as Json;
      check(`${path}.confirm.title`, textOf(c.title).length, 100);
      check(`${path}.confirm.text`, textOf(c.text).length, 300);
      check(`${path}.confirm.confirm`, textOf(c.confirm).length, 30);
      check(`${path}.confirm.deny`, textOf(c.deny).length, 30);
    }
    // An option: its text and value.
    if (o.type === undefined && typeof o.value === 'string' && o.text) {
      check(`${path}.text`, textOf(o.text).length, 75);
      check(`${path}.value`, o.value.length, 150);
    }
    for (const [key, value] of Object.entries(o)) if (key !== 'confirm') walk(value, `${path}.${key}`);
  };
  const top = root as Json;
  check('blocks', (top.blocks as unknown[]).length, container.maxBlocks);
  if (top.type === 'modal') {
    for (const field of ['title', 'submit', 'close'] as const) check(field, textOf(top[field]).length, 24);
    check('private_metadata', str(top.private_metadata).length, 3000);
  }
  walk(top.blocks, 'blocks');
  return found;
}

// The longest an agent can make them: ids and tool names 128 characters, action ids 200, argument names 1,024.
const long = (c: string, n: number) => c.repeat(n);
const card: ApprovalCard = {
  actionId: long('a', 200),
  approvalId: long('p', 36),
  round: 1,
  tool: long('t', 128),
  agentId: long('A', 128),
  team: long('m', 128),
  requestedBy: long('r', 254),
  tier: 'critical',
  reasons: Array.from({ length: 10 }, () => long('<', 1000)),
  args: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`${long('k', 1020)}${i}`, long('&', 5000)])),
  argsHash: long('0', 64),
  rationale: long('>', 10_000),
  budgetImpacts: [],
  deadline: new Date(0),
  requiredApprovals: 1,
  approverRole: 'approver',
  approverGroup: long('g', 2500),
  escalation: { level: 3, to: long('e', 500) },
  decisions: [],
  status: { kind: 'open' },
  execution: { kind: 'not_started' },
  consoleUrl: 'http://console.test',
};

describe('Block Kit limits', () => {
  it('keeps the Approve confirmation within 300 characters for 128-character agent ids and tool names (escaped, longer still)', () => {
    for (const [agentId, tool] of [
      [long('A', 128), long('t', 128)],
      [long('&', 128), long('<', 128)],
      ['billing-bot', 'payments.refund'],
    ] as const) {
      const actions = approvalMessage({ ...card, agentId, tool }).blocks.find((b) => b.type === 'actions');
      const approve = actions?.type === 'actions' ? actions.elements.find((e) => e.type === 'button' && e.action_id === ACTION_APPROVE) : undefined;
      const text = approve?.type === 'button' ? approve.confirm?.text.text : undefined;
      expect(text?.length).toBeLessThanOrEqual(CONFIRM_TEXT_MAX);
      expect(text).toContain('It cannot be taken back here.');
    }
    // Short names are still shown in it.
    const short = approvalMessage({ ...card, agentId: 'billing-bot', tool: 'payments.refund' });
    expect(JSON.stringify(short.blocks)).toContain('This lets *billing-bot* run `payments.refund` with the arguments shown.');
  });

  it('holds every field of the approval message and the notice to its limit, whatever the agent sent', () => {
    for (const status of [{ kind: 'open' }, { kind: 'cancelled', at: new Date(0), reason: long('x', 5000) }] as const) {
      expect(overLimits(approvalMessage({ ...card, status }), { maxBlocks: 50 })).toEqual([]);
    }
    expect(overLimits(approvalMessage({ ...card, execution: { kind: 'failed', at: new Date(0), error: long('e', 10_000) } }), { maxBlocks: 50 })).toEqual([]);
    expect(overLimits(noticeMessage(card), { maxBlocks: 50 })).toEqual([]);
  });

  it('holds every field of the modals to its limit, for long argument names, long values and many arguments', () => {
    const state = { actionId: long('a', 200), round: 1, argsHash: long('0', 64), channel: 'C1', messageTs: '1800000000.000001' };
    expect(overLimits(denyModal(state, { tool: long('t', 128) }), { maxBlocks: 100 })).toEqual([]);
    const args: RememberableArg[] = [
      { arg: long('n', 1024), value: '5', kinds: ['same', 'at_most'] },
      { arg: long('k', 100), value: long('9', 60) + '.00', kinds: ['same', 'at_most'] },
      { arg: 'note', value: long('<', 3000), kinds: ['same'] },
      ...Array.from({ length: 80 }, (_, i): RememberableArg => ({ arg: `${long('x', 97)}${i}`, value: String(i), kinds: ['same', 'at_most'] })),
    ];
    expect(overLimits(rememberModal(state, { tool: long('t', 128), agentId: long('A', 128), args }), { maxBlocks: 100 })).toEqual([]);
  });
});
