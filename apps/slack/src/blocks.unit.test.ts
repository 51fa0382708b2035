import { createHmac } from 'node:crypto';
import { PLAN_TOOL } from '@airlock/core';
import {
  ACTION_APPROVE,
  ACTION_DENY,
  ACTION_OPEN_CONSOLE,
  ACTION_REMEMBER,
  approvalChannel,
  approvalMessage,
  escalationChannel,
  MemorySeenRequests,
  ReplayGuard,
  SlackRoutes,
  type ApprovalCard,
} from '@airlock/slack';
import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { denyModal, denySubmissionErrors, readDenySubmission } from './blocks/deny-modal.js';
import { argumentsSummary } from './blocks/format.js';

const SECRET = 'test-signing-secret';

/** Signs a body the way Slack does (HMAC-SHA256 of `v0:<ts>:<body>`); the integration tests' copy is test/src/slack/interactions.ts. */
function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

function signedHeaders(body: string, timestamp: number, secret = SECRET) {
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': slackSignature(secret, timestamp, body) };
}

describe('the replay guard', () => {
  it('admits a signed request once, and refuses it again within the window', async () => {
    let now = 1_800_000_000_000;
    const seen = new MemorySeenRequests();
    const guard = new ReplayGuard(SECRET, seen, () => now);
    const headers = signedHeaders('payload=a', now / 1000);
    expect(await guard.admit(headers, 'payload=a')).toEqual({ ok: true });
    expect(await guard.admit(headers, 'payload=a')).toEqual({ ok: false, reason: 'replayed request' });
    // Past the window the entry is forgotten, and the timestamp check refuses the request instead.
    now += 301_000;
    expect(await guard.admit(headers, 'payload=a')).toEqual({ ok: false, reason: 'timestamp outside the 5-minute window' });
    await guard.admit(signedHeaders('payload=b', now / 1000), 'payload=b');
    // payload=a's signature and in-flight mark are forgotten; its body is kept for Slack's retries (below), payload=b's three are new.
    expect(seen.size).toBe(4);
    now += 301_000;
    await guard.admit(signedHeaders('payload=c', now / 1000), 'payload=c');
    // payload=a's body is forgotten too, payload=b keeps its body only, payload=c's three are new.
    expect(seen.size).toBe(4);
  });

  it('admits a retry (the same body signed again, with X-Slack-Retry-Num) of a request not acted on, and answers one that was without admitting it', async () => {
    let now = 1_800_000_000_000;
    const guard = new ReplayGuard(SECRET, new MemorySeenRequests(), () => now);
    const first = signedHeaders('payload=a', now / 1000);
    expect(await guard.admit(first, 'payload=a')).toEqual({ ok: true });
    // Slack gave up waiting for the answer and sends the same interaction again a moment later, freshly signed:
    // the first delivery may well still be running, so this retry is answered and not acted on.
    now += 5_000;
    const early = { ...signedHeaders('payload=a', now / 1000), 'x-slack-retry-num': '1' };
    expect(await guard.admit(early, 'payload=a')).toEqual({ ok: false, reason: 'a retry of a request still being acted on', retry: true });
    // Past the in-flight mark, the first delivery's process is taken to have died before its listener finished:
    // the next retry is the one to act on.
    now += 45_000;
    const notActed = { ...signedHeaders('payload=a', now / 1000), 'x-slack-retry-num': '2' };
    expect(await guard.admit(notActed, 'payload=a')).toEqual({ ok: true, retry: true });
    await guard.acted(notActed, 'payload=a');
    // Acted on (by the first delivery or a retry): a later retry is answered and not acted on again.
    now += 60_000;
    const retried = { ...signedHeaders('payload=a', now / 1000), 'x-slack-retry-num': '3' };
    expect(await guard.admit(retried, 'payload=a')).toEqual({ ok: false, reason: 'a retry of a request already acted on', retry: true });
    // The retry itself, replayed: a replay, as any request.
    expect(await guard.admit(retried, 'payload=a')).toEqual({ ok: false, reason: 'replayed request' });
    expect(await guard.admit(signedHeaders('payload=b', now / 1000), 'payload=b')).toEqual({ ok: true });
  });

  it('refuses bad signatures without remembering them, and timestamps too far either way', async () => {
    const now = 1_800_000_000_000;
    const seen = new MemorySeenRequests();
    const guard = new ReplayGuard(SECRET, seen, () => now);
    expect(await guard.admit(signedHeaders('payload=a', now / 1000, 'wrong'), 'payload=a')).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(await guard.admit(signedHeaders('payload=a', now / 1000), 'payload=tampered')).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(seen.size).toBe(0);
    expect((await guard.admit(signedHeaders('payload=a', now / 1000 + 301), 'payload=a')).ok).toBe(false);
    expect((await guard.admit(signedHeaders('payload=a', now / 1000 - 301), 'payload=a')).ok).toBe(false);
    expect((await guard.admit(signedHeaders('payload=a', now / 1000 + 299), 'payload=a')).ok).toBe(true);
    expect(await guard.admit({ 'x-slack-signature': 'v0=abc' }, 'payload=a')).toEqual({ ok: false, reason: 'missing or malformed signature headers' });
  });
});

describe('routing', () => {
  const routes = SlackRoutes.parse({
    default: 'C_ALL',
    tiers: { high: 'C_HIGH', critical: 'C_CRIT' },
    teams: { billing: 'C_BILLING' },
    escalations: { 'finance-leads': 'C_LEADS' },
  });

  it('prefers the tier, then the team, then the default', () => {
    expect(approvalChannel(routes, { tier: 'critical', team: 'billing' })).toBe('C_CRIT');
    expect(approvalChannel(routes, { tier: 'medium', team: 'billing' })).toBe('C_BILLING');
    expect(approvalChannel(routes, { tier: 'medium', team: 'ops' })).toBe('C_ALL');
  });

  it('posts escalations to the named target, else the next tier up that has a channel', () => {
    expect(escalationChannel(routes, { to: 'finance-leads', tier: 'high' })).toBe('C_LEADS');
    expect(escalationChannel(routes, { to: 'role:admin', tier: 'medium' })).toBe('C_HIGH');
    expect(escalationChannel(routes, { to: 'role:admin', tier: 'critical' })).toBeUndefined();
  });

  it('refuses routes that are not channel ids, naming the field', () => {
    const parsed = SlackRoutes.safeParse({ default: '#approvals' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['default']);
  });
});

describe('the approval message', () => {
  const card: ApprovalCard = {
    actionId: 'act_1',
    approvalId: 'appr_1',
    round: 1,
    tool: 'payments.refund',
    agentId: 'billing-bot',
    team: 'billing',
    requestedBy: null,
    tier: 'high',
    reasons: ['refunds: <b>big</b>'],
    args: { note: '```<@U123> & friends```', nested: { a: 1 }, long: 'x'.repeat(500) },
    argsHash: 'a'.repeat(64),
    rationale: 'Please <!here> approve <https://evil.test|this>',
    budgetImpacts: [],
    deadline: null,
    requiredApprovals: 1,
    approverRole: 'approver',
    approverGroup: null,
    escalation: null,
    decisions: [],
    status: { kind: 'open' },
    execution: { kind: 'not_started' },
    consoleUrl: 'http://console.test/',
  };

  it('escapes everything an agent wrote, so it cannot mention people or forge links', () => {
    const text = JSON.stringify(approvalMessage(card).blocks);
    expect(text).not.toMatch(/<!here>|<@U123>|<https:\/\/evil/);
    expect(text).toContain('&lt;!here&gt;');
    expect(text).toContain('&lt;b&gt;big&lt;/b&gt;');
    expect(text).toContain('nested: {\\"a\\":1}');
    // Long values are cut; a code fence inside a value cannot close the block early.
    expect(text).toContain(`long: ${'x'.repeat(199)}…`);
    expect(text.match(/```/g)).toHaveLength(2);
    expect(text).toContain('none: waits until decided');
  });

  it('asks for confirmation before approving a high or critical action, as the console does, and not below', () => {
    const approveButton = (tier: ApprovalCard['tier']) => {
      const actions = approvalMessage({ ...card, tier }).blocks.find((b) => b.type === 'actions');
      return actions?.type === 'actions' ? actions.elements.find((e) => e.type === 'button' && e.action_id === ACTION_APPROVE) : undefined;
    };
    expect(approveButton('high')).toMatchObject({
      confirm: { title: { text: 'Approve a high-risk action?' }, confirm: { text: 'Approve' }, deny: { text: 'Cancel' } },
    });
    expect(approveButton('critical')).toMatchObject({ confirm: { title: { text: 'Approve a critical-risk action?' } } });
    for (const tier of ['low', 'medium', null] as const) expect(approveButton(tier)).not.toHaveProperty('confirm');
  });

  it('offers approve-and-remember on a one-approver round, but never for a plan (its steps are not bound by its arguments)', () => {
    const ids = (c: ApprovalCard) => approvalMessage(c).blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => ('action_id' in e ? e.action_id : undefined)) : []));
    expect(ids(card)).toEqual([ACTION_APPROVE, ACTION_DENY, ACTION_REMEMBER, ACTION_OPEN_CONSOLE]);
    expect(ids({ ...card, tool: PLAN_TOOL })).toEqual([ACTION_APPROVE, ACTION_DENY, ACTION_OPEN_CONSOLE]);
  });

  it('shows an argument name on one line, as its value: a newline in a key cannot forge an argument line', () => {
    const text = argumentsSummary({ amount: 50000, 'memo\namount': 5, 'note\r\n\tx': 'a\nb' });
    expect(text).toBe('```amount: 50000\nmemo amount: 5\nnote x: a b```');
    expect(argumentsSummary({ ['k'.repeat(1024)]: 1 })).toBe(`\`\`\`${'k'.repeat(99)}…: 1\`\`\``);
  });

  it('says the timeout rule approved a round nobody decided in time', () => {
    const text = JSON.stringify(approvalMessage({ ...card, status: { kind: 'approved', at: new Date(0), byTimeoutRule: true } }).blocks);
    expect(text).toContain('Approved: payments.refund');
    expect(text).toContain(':white_check_mark: Approved by the timeout rule <!date^0^');
    expect(text).toContain(': no decision before the deadline');
    expect(text).not.toContain('Timed out');
  });

  it('keeps the buttons only while the round is open', () => {
    const open = approvalMessage(card).blocks;
    expect(open.some((b) => b.type === 'actions')).toBe(true);
    const closed = approvalMessage({ ...card, status: { kind: 'expired', at: new Date(0) } }).blocks;
    expect(closed.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(closed)).toContain('<http://console.test/actions/act_1|Open in console>');
    expect(JSON.stringify(open)).toContain(ACTION_APPROVE);
    expect(JSON.stringify(open)).toContain('"url":"http://console.test/actions/act_1"');
  });
});

describe('the deny modal', () => {
  const state = { actionId: 'act_1', round: 1, argsHash: 'a'.repeat(64), channel: 'C1' };

  it('asks for feedback and a reason, both optional as in the console and the API, and says the agent receives the reason', () => {
    const inputs = denyModal(state, { tool: 'payments.refund' }).blocks.filter((b): b is types.InputBlock => b.type === 'input');
    expect(inputs.map((b) => [b.label.text, b.optional])).toEqual([
      ['Feedback for the agent', true],
      ['Reason', true],
    ]);
    expect(inputs[1]?.hint?.text).toBe('Returned to the agent as the reason for the denial, and kept in the audit log.');
  });

  it('reads an empty submission as a denial with neither', () => {
    const view = { private_metadata: JSON.stringify(state), state: { values: {} } };
    expect(readDenySubmission(view)).toEqual({ state });
  });

  it('names the field whose text the decision would refuse: too long, or holding NUL', () => {
    expect(denySubmissionErrors({ state, feedback: 'f'.repeat(4000), comment: 'c'.repeat(2000) })).toBeUndefined();
    expect(denySubmissionErrors({ state, feedback: 'f'.repeat(4001), comment: 'bad\u0000byte' })).toEqual({
      feedback: 'At most 4000 characters, and this has 4001: shorten it.',
      comment: 'This text must not contain NUL characters.',
    });
  });
});
