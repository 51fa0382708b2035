import type { ApprovalDecision, ApprovalRequirement, Classification, EligibleApprover } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import {
  ADMINS,
  checkDecision,
  deadlinePassed,
  reduceApproval,
  replyToDecision,
  roundDeadline,
  roundEnded,
  roundSchedule,
  roundSettlement,
  startApproval,
  type ApprovalEffect,
  type ApprovalEvent,
  type ApprovalState,
  type EffectiveArgs,
  type Round,
} from './approval-round.js';

const HASH = 'a'.repeat(64);
const EDITED_HASH = 'b'.repeat(64);
const OPENED_AT = Date.parse('2026-01-01T00:00:00.000Z');

function requirement(overrides: Partial<ApprovalRequirement> = {}): ApprovalRequirement {
  return { requiredApprovals: 1, approverRole: 'approver', denyEndsIt: true, timeoutMs: 3_600_000, timeoutOutcome: 'deny', escalation: [], ...overrides };
}

const approvers = (...ids: string[]): EligibleApprover[] => ids.map((id) => ({ id, role: 'approver' }));
const effective: EffectiveArgs = { args: { path: '/tmp/x' }, argsHash: HASH, budgetHolder: 'act-1', budgetReserved: false };

/** Runs events through the reducer, collecting every effect. */
function run(state: ApprovalState, ...events: ApprovalEvent[]): { state: ApprovalState; effects: ApprovalEffect[] } {
  const effects: ApprovalEffect[] = [];
  for (const event of events) {
    const next = reduceApproval(state, event);
    state = next.state;
    effects.push(...next.effects);
  }
  return { state, effects };
}

function opened(req: ApprovalRequirement, eligible: string[], excluded: { id: string; reason: string }[] = [], number = 1): ApprovalState {
  const start = startApproval('act-1', req, [], effective);
  return run(start, {
    type: 'round_opened',
    number,
    approvalId: `appr-${number}`,
    deadline: roundDeadline(req, OPENED_AT),
    approvers: { eligible: approvers(...eligible), excluded },
  }).state;
}

function decision(approverId: string, kind: 'approve' | 'deny', extra: Partial<ApprovalDecision> = {}): ApprovalDecision {
  return { approverId, decision: kind, channel: 'console', argsHash: HASH, ...extra };
}

/** A plain decision that passes the validator and is then stored. */
function decide(state: ApprovalState, approverId: string, kind: 'approve' | 'deny', extra: Partial<ApprovalDecision> = {}): ApprovalState {
  const d = decision(approverId, kind, extra);
  checkDecision(state, d);
  const round = currentRound(state).number;
  return run(state, { type: 'decision_received', decision: d, decidedAt: '2026-01-01T00:01:00.000Z' }, { type: 'decision_recorded', round }).state;
}

function currentRound(state: ApprovalState): Round {
  if (!state.round) throw new Error('no round');
  return state.round;
}

describe('quorum', () => {
  it('needs n of m approvals: 2 of 3 stays open after one, is approved after two', () => {
    let state = opened(requirement({ requiredApprovals: 2 }), ['ana', 'bo', 'cy']);
    state = decide(state, 'ana', 'approve');
    expect(currentRound(state).tally).toBe('open');
    expect(roundEnded(state)).toBe(false);
    state = decide(state, 'bo', 'approve');
    expect(currentRound(state).tally).toBe('approved');
    expect(roundEnded(state)).toBe(true);

    const closed = run(state, { type: 'wait_ended', how: 'decided' });
    expect(closed.effects).toEqual([{ type: 'close_round', approvalId: 'appr-1', round: 1, closure: 'approved', reason: '2 of 2 approvals' }]);
    expect(closed.state.verdict).toEqual({ kind: 'approved', effective });
  });

  it('with denyEndsIt, one deny ends the round and the agent gets the approver’s reason and feedback', () => {
    let state = opened(requirement({ requiredApprovals: 2 }), ['ana', 'bo', 'cy']);
    state = decide(state, 'ana', 'approve');
    state = decide(state, 'bo', 'deny', { comment: 'not on a Friday', feedback: 'try Monday' });
    expect(currentRound(state).tally).toBe('denied');

    const closed = run(state, { type: 'wait_ended', how: 'decided' });
    expect(closed.effects).toEqual([{ type: 'close_round', approvalId: 'appr-1', round: 1, closure: 'denied', reason: 'denied by bo' }]);
    expect(closed.state.verdict).toEqual({
      kind: 'closed',
      outcome: { status: 'denied', actionId: 'act-1', reason: 'not on a Friday', feedback: 'try Monday', deniedBy: 'bo' },
    });
  });

  it('without denyEndsIt, a deny ends the round only once the quorum is out of reach', () => {
    let state = opened(requirement({ requiredApprovals: 2, denyEndsIt: false }), ['ana', 'bo', 'cy']);
    state = decide(state, 'ana', 'deny');
    // bo and cy can still make 2 approvals.
    expect(currentRound(state).tally).toBe('open');
    state = decide(state, 'bo', 'deny');
    // Only cy is left: one approval cannot reach two.
    expect(currentRound(state).tally).toBe('denied');
  });

  it('without denyEndsIt, approvals reach the quorum despite a deny', () => {
    let state = opened(requirement({ requiredApprovals: 2, denyEndsIt: false }), ['ana', 'bo', 'cy']);
    state = decide(state, 'ana', 'deny');
    state = decide(state, 'bo', 'approve');
    state = decide(state, 'cy', 'approve');
    expect(currentRound(state).tally).toBe('approved');
  });

  it('counts a decision only once it is recorded, so the round never closes before its decision is stored', () => {
    const state = opened(requirement(), ['ana']);
    const listed = run(state, { type: 'decision_received', decision: decision('ana', 'approve'), decidedAt: 'now' });
    expect(listed.effects).toEqual([
      {
        type: 'record_decision',
        approvalId: 'appr-1',
        round: 1,
        argsHash: HASH,
        decision: { approverId: 'ana', decision: 'approve', channel: 'console', round: 1, decidedAt: 'now' },
      },
    ]);
    expect(currentRound(listed.state).tally).toBe('open');
    expect(roundEnded(listed.state)).toBe(false);
    const recorded = run(listed.state, { type: 'decision_recorded', round: 1 });
    expect(roundEnded(recorded.state)).toBe(true);
    expect(replyToDecision(recorded.state, currentRound(listed.state))).toEqual({ accepted: true, approvalsSoFar: 1, requiredApprovals: 1, approvalStatus: 'approved' });
  });

  it('records a remembered grant with the decision that asks for it', () => {
    const standingApproval = { grantId: 'grant-1', agentId: 'bot', tool: 'fs.write', condition: 'true', reason: 'routine', validForHours: 8, maxUses: 5 };
    const listed = run(opened(requirement(), ['ana']), { type: 'decision_received', decision: decision('ana', 'approve', { standingApproval }), decidedAt: 'now' });
    expect(listed.effects[0]).toMatchObject({ type: 'record_decision', standingApproval });
  });
});

describe('who may decide', () => {
  it('refuses the requester and the agent owner in one sentence saying why', () => {
    const state = opened(
      requirement(),
      ['ana'],
      [
        { id: 'rita', reason: 'requested this action' },
        { id: 'otto', reason: 'owns the agent that requested this action' },
      ],
    );
    expect(() => checkDecision(state, decision('rita', 'approve'))).toThrow(new Error('rita requested this action, so someone else must approve it'));
    expect(() => checkDecision(state, decision('otto', 'approve'))).toThrow(new Error('otto owns the agent that requested this action, so someone else must approve it'));
  });

  it('words the reasons older workers recorded (still in running histories) the same way', () => {
    const state = opened(
      requirement(),
      ['ana'],
      [
        { id: 'rita', reason: 'requested this action: nobody approves their own request' },
        { id: 'otto', reason: "owns the requesting agent: nobody approves their own agent's request" },
      ],
    );
    expect(() => checkDecision(state, decision('rita', 'approve'))).toThrow(new Error('rita requested this action, so someone else must approve it'));
    expect(() => checkDecision(state, decision('otto', 'approve'))).toThrow(new Error('otto owns the agent that requested this action, so someone else must approve it'));
  });

  it('refuses someone who is not an eligible approver', () => {
    expect(() => checkDecision(opened(requirement(), ['ana']), decision('mallory', 'approve'))).toThrow('"mallory" is not an approver of this round');
  });

  it('refuses a second decision by the same approver, even while the first is still being written', () => {
    const state = opened(requirement({ requiredApprovals: 2 }), ['ana', 'bo']);
    const listed = run(state, { type: 'decision_received', decision: decision('ana', 'approve'), decidedAt: 'now' }).state;
    expect(() => checkDecision(listed, decision('ana', 'deny'))).toThrow('ana has already decided this approval');
  });

  it('tells who settled the round from its listed decisions, before their write lands', () => {
    const state = opened(requirement({ requiredApprovals: 2 }), ['ana', 'bo', 'cy']);
    expect(roundSettlement(state)).toBeUndefined();
    const one = decide(state, 'ana', 'approve');
    expect(roundSettlement(one)).toBeUndefined();
    // Listed, not yet recorded: the round's own tally is still open, the settlement is not.
    const listed = run(one, { type: 'decision_received', decision: decision('cy', 'approve'), decidedAt: 'now' }).state;
    expect(currentRound(listed).tally).toBe('open');
    expect(roundSettlement(listed)).toEqual({ closure: 'approved', by: ['ana', 'cy'] });
    const denied = decide(opened(requirement(), ['ana', 'bo']), 'bo', 'deny');
    expect(roundSettlement(denied)).toEqual({ closure: 'denied', by: ['bo'] });
  });

  it('refuses any decision, an edit above all, once listed decisions settle the round, before their write lands', () => {
    const state = opened(requirement(), ['ana', 'bo']);
    const listed = run(state, { type: 'decision_received', decision: decision('ana', 'approve'), decidedAt: 'now' }).state;
    expect(currentRound(listed).tally).toBe('open');
    expect(() => checkDecision(listed, decision('bo', 'approve', { editedArgs: { path: '/srv/y' } }))).toThrow('the approval is already decided');
    expect(() => checkDecision(listed, decision('bo', 'deny'))).toThrow('the approval is already decided');
    const open = run(opened(requirement({ requiredApprovals: 2 }), ['ana', 'bo']), { type: 'decision_received', decision: decision('ana', 'approve'), decidedAt: 'now' });
    expect(() => checkDecision(open.state, decision('bo', 'deny'))).not.toThrow();
  });

  it('keeps the tally a round closed on: a decision listed as it timed out settles nothing', () => {
    const state = opened(requirement(), ['ana']);
    const listed = run(state, { type: 'decision_received', decision: decision('ana', 'approve'), decidedAt: 'now' }, { type: 'wait_ended', how: 'timed_out' }).state;
    expect(roundSettlement(listed)).toBeUndefined();
  });

  it('refuses a decision made on other arguments than the round decides (stale args hash)', () => {
    expect(() => checkDecision(opened(requirement(), ['ana']), decision('ana', 'approve', { argsHash: EDITED_HASH }))).toThrow('args hash mismatch');
  });

  it('refuses any decision before a round opens and after it closes', () => {
    expect(() => checkDecision(startApproval('act-1', requirement(), [], effective), decision('ana', 'approve'))).toThrow('not awaiting a decision');
    const closed = run(decide(opened(requirement(), ['ana', 'bo']), 'ana', 'approve'), { type: 'wait_ended', how: 'decided' }).state;
    expect(() => checkDecision(closed, decision('bo', 'approve'))).toThrow('already decided or closed');
  });

  it('lets escalation targets decide once the round has escalated', () => {
    const state = opened(requirement({ escalation: [{ afterMs: 60_000, to: 'oncall' }] }), ['ana']);
    expect(() => checkDecision(state, decision('olga', 'approve'))).toThrow('is not an approver of this round');
    const escalated = run(state, { type: 'escalated', level: 1, approvers: { eligible: approvers('ana', 'olga'), excluded: [] }, recount: true }).state;
    expect(currentRound(escalated).escalationLevel).toBe(1);
    expect(currentRound(decide(escalated, 'olga', 'approve')).tally).toBe('approved');
  });
});

describe('an approver’s edit', () => {
  const stillRisky: Classification = { decision: 'require_approval', tier: 'high', reasons: ['writes outside /tmp'], approval: requirement({ approverRole: 'admin' }) };

  function edited(state: ApprovalState, classification: Classification) {
    const received = run(state, { type: 'decision_received', decision: decision('ana', 'approve', { editedArgs: { path: '/srv/y' } }), decidedAt: 'now' });
    const review = {
      ok: true as const,
      classification,
      argsHash: EDITED_HASH,
      redactedArgs: { path: '/srv/y' },
      budgetHolder: 'act-1#edit1',
      budgetReserved: true,
      budgetImpacts: [],
    };
    const reviewed = run(received.state, { type: 'edit_reviewed', review });
    const recorded = run(reviewed.state, { type: 'edit_recorded' });
    return { received, reviewed, recorded };
  }

  it('is reviewed against the current budget holder, blocks other decisions meanwhile, and is recorded with its arguments', () => {
    const { received, reviewed } = edited(opened(requirement({ requiredApprovals: 2 }), ['ana', 'bo']), stillRisky);
    expect(received.effects).toEqual([
      { type: 'review_edit', round: 1, approverId: 'ana', editedArgs: { path: '/srv/y' }, previousBudgetHolder: 'act-1', baseArgs: { path: '/tmp/x' } },
    ]);
    expect(() => checkDecision(received.state, decision('bo', 'approve'))).toThrow('an edit of the arguments is being reviewed');
    expect(reviewed.effects).toEqual([
      {
        type: 'record_decision',
        approvalId: 'appr-1',
        round: 1,
        argsHash: HASH,
        decision: { approverId: 'ana', decision: 'approve', channel: 'console', round: 1, decidedAt: 'now', editedArgsHash: EDITED_HASH },
        editedArgs: { path: '/srv/y' },
      },
    ]);
  });

  it('ends the round once recorded and restarts it on the new arguments with the editor’s approval carried', () => {
    const { recorded } = edited(opened(requirement({ requiredApprovals: 2 }), ['ana', 'bo']), stillRisky);
    expect(roundEnded(recorded.state)).toBe(true);

    const closed = run(recorded.state, { type: 'wait_ended', how: 'decided' });
    expect(closed.effects).toEqual([
      { type: 'close_round', approvalId: 'appr-1', round: 1, closure: 'approved', reason: 'ana approved edited arguments; re-classified as require_approval (high)' },
    ]);
    expect(closed.state.verdict).toBeUndefined();
    expect(closed.state.requirement).toEqual(stillRisky.approval);
    expect(closed.state.effective).toEqual({ args: { path: '/srv/y' }, argsHash: EDITED_HASH, budgetHolder: 'act-1#edit1', budgetReserved: true });
    expect(closed.state.reclassified).toEqual(stillRisky);

    const second = run(closed.state, { type: 'round_opened', number: 2, approvalId: 'appr-2', deadline: null, approvers: { eligible: approvers('ana', 'bo'), excluded: [] } });
    const carried = { approverId: 'ana', decision: 'approve', channel: 'console', round: 2, decidedAt: 'now', comment: 'approved the edited arguments' };
    expect(second.effects).toEqual([{ type: 'record_decision', approvalId: 'appr-2', round: 2, argsHash: EDITED_HASH, decision: carried, carried: true }]);
    const round = currentRound(second.state);
    expect(round.argsHash).toBe(EDITED_HASH);
    // One admin approval required: the editor's carried approval settles it.
    expect(round.tally).toBe('approved');
    // The carried approval settled it: nothing more is taken, on the old arguments or the new.
    expect(() => checkDecision(second.state, decision('bo', 'approve'))).toThrow('the approval is already decided');
    expect(() => checkDecision(second.state, decision('bo', 'approve', { argsHash: EDITED_HASH }))).toThrow('the approval is already decided');
  });

  it('does not carry the editor’s approval into a round they may not decide', () => {
    const { recorded } = edited(opened(requirement(), ['ana']), stillRisky);
    const closed = run(recorded.state, { type: 'wait_ended', how: 'decided' }).state;
    const second = run(closed, { type: 'round_opened', number: 2, approvalId: 'appr-2', deadline: null, approvers: { eligible: approvers('root'), excluded: [] } });
    expect(second.effects).toEqual([]);
    expect(currentRound(second.state).tally).toBe('open');
    expect(second.state.carried).toBeUndefined();
  });

  it('ends the approval when the edited arguments are denied by policy or allowed outright', () => {
    const denied = edited(opened(requirement(), ['ana']), { decision: 'deny', tier: 'critical', reasons: ['no /srv'] });
    expect(run(denied.recorded.state, { type: 'wait_ended', how: 'decided' }).state.verdict).toEqual({
      kind: 'closed',
      outcome: { status: 'denied', actionId: 'act-1', reason: 'the arguments as edited by ana: no /srv', deniedBy: 'policy' },
    });
    const allowed = edited(opened(requirement(), ['ana']), { decision: 'allow', tier: 'low', reasons: [] });
    expect(run(allowed.recorded.state, { type: 'wait_ended', how: 'decided' }).state.verdict).toEqual({
      kind: 'approved',
      effective: { args: { path: '/srv/y' }, argsHash: EDITED_HASH, budgetHolder: 'act-1#edit1', budgetReserved: true },
    });
  });

  it('moves the budget hold at the review, so a later round that expires still settles the edit’s reservation', () => {
    const { reviewed, recorded } = edited(opened(requirement(), ['ana']), stillRisky);
    expect(reviewed.state.budget).toEqual({ budgetHolder: 'act-1#edit1', budgetReserved: true });
    const closed = run(recorded.state, { type: 'wait_ended', how: 'decided' }).state;
    const second = run(closed, {
      type: 'round_opened',
      number: 2,
      approvalId: 'appr-2',
      deadline: '2026-01-01T02:00:00.000Z',
      approvers: { eligible: approvers('root'), excluded: [] },
    }).state;
    const expired = run(second, { type: 'wait_ended', how: 'timed_out' }).state;
    expect(expired.verdict).toMatchObject({ kind: 'closed', outcome: { status: 'expired' } });
    expect(expired.budget).toEqual({ budgetHolder: 'act-1#edit1', budgetReserved: true });
  });

  it('an edit whose recording failed after its review keeps the moved hold, and the next edit replaces that reservation', () => {
    const { reviewed } = edited(opened(requirement(), ['ana', 'bo']), stillRisky);
    const abandoned = run(reviewed.state, { type: 'edit_abandoned' }).state;
    expect(abandoned.budget.budgetHolder).toBe('act-1#edit1');
    const again = run(abandoned, { type: 'decision_received', decision: decision('bo', 'approve', { editedArgs: { path: '/srv/z' } }), decidedAt: 'now' });
    expect(again.effects).toEqual([
      { type: 'review_edit', round: 1, approverId: 'bo', editedArgs: { path: '/srv/z' }, previousBudgetHolder: 'act-1#edit1', baseArgs: { path: '/tmp/x' } },
    ]);
  });

  it('an abandoned edit settles nothing: the round still takes the others’ decisions (not “already decided” for good)', () => {
    const { reviewed } = edited(opened(requirement(), ['ana', 'bo']), stillRisky);
    // While the edit is recorded, its approval settles the one-approver round: nothing more is taken.
    expect(() => checkDecision(reviewed.state, decision('bo', 'deny'))).toThrow('the approval is already decided');
    const abandoned = run(reviewed.state, { type: 'edit_abandoned' }).state;
    expect(roundSettlement(abandoned)).toBeUndefined();
    expect(() => checkDecision(abandoned, decision('bo', 'deny'))).not.toThrow();
    expect(() => checkDecision(abandoned, decision('bo', 'approve'))).not.toThrow();
    // The editor stays listed: ana does not decide twice.
    expect(() => checkDecision(abandoned, decision('ana', 'approve'))).toThrow('ana has already decided this approval');
  });

  it('runs the arguments the review restored (redacted values the approver kept), and offers them as the next edit’s base', () => {
    const state = opened(requirement(), ['ana', 'bo']);
    const sent = { path: '/srv/y', owner: '[REDACTED:email]' };
    const received = run(state, { type: 'decision_received', decision: decision('ana', 'approve', { editedArgs: sent }), decidedAt: 'now' });
    const restored = { path: '/srv/y', owner: 'dana@example.test' };
    const review = {
      ok: true as const,
      classification: stillRisky,
      argsHash: EDITED_HASH,
      args: restored,
      redactedArgs: sent,
      budgetHolder: 'act-1#edit1',
      budgetReserved: true,
      budgetImpacts: [],
    };
    const closed = run(received.state, { type: 'edit_reviewed', review }, { type: 'edit_recorded' }, { type: 'wait_ended', how: 'decided' }).state;
    expect(closed.effective.args).toEqual(restored);
    const next = run(closed, { type: 'round_opened', number: 2, approvalId: 'appr-2', deadline: null, approvers: { eligible: approvers('root'), excluded: [] } }).state;
    const again = run(next, { type: 'decision_received', decision: decision('root', 'approve', { editedArgs: { ...sent, path: '/srv/z' } }), decidedAt: 'now' });
    expect(again.effects).toMatchObject([{ type: 'review_edit', baseArgs: restored }]);
  });

  it('leaves the round as it was when the edit is rejected', () => {
    const state = opened(requirement(), ['ana', 'bo']);
    const received = run(state, { type: 'decision_received', decision: decision('ana', 'approve', { editedArgs: { path: 7 } }), decidedAt: 'now' }).state;
    const rejected = run(received, { type: 'edit_reviewed', review: { ok: false, reason: 'invalid arguments' } });
    expect(rejected.effects).toEqual([]);
    expect(currentRound(rejected.state).decisions).toEqual([]);
    expect(roundEnded(rejected.state)).toBe(false);
    expect(() => checkDecision(rejected.state, decision('bo', 'approve'))).not.toThrow();
  });
});

describe('deadlines, escalation and timeout outcomes', () => {
  it('has no deadline when the policy waits forever, and escalates along the whole chain', () => {
    const req = requirement({
      timeoutOutcome: 'wait_forever',
      escalation: [
        { afterMs: 1_000, to: 'leads' },
        { afterMs: 99_000_000, to: 'role:admin' },
      ],
    });
    expect(roundDeadline(req, OPENED_AT)).toBeNull();
    expect(roundSchedule(req, OPENED_AT, null)).toEqual({
      escalations: [
        { at: OPENED_AT + 1_000, level: 1, to: 'leads' },
        { at: OPENED_AT + 99_000_000, level: 2, to: 'role:admin' },
      ],
      deadline: null,
    });
  });

  it('drops escalation steps at or after the deadline and times out at it', () => {
    const req = requirement({
      timeoutMs: 60_000,
      escalation: [
        { afterMs: 30_000, to: 'leads' },
        { afterMs: 60_000, to: 'oncall' },
      ],
    });
    const deadline = roundDeadline(req, OPENED_AT);
    expect(deadline).toBe('2026-01-01T00:01:00.000Z');
    expect(roundSchedule(req, OPENED_AT, deadline)).toEqual({
      escalations: [{ at: OPENED_AT + 30_000, level: 1, to: 'leads' }],
      deadline: { at: OPENED_AT + 60_000, then: 'time_out' },
    });
  });

  it('with the escalate outcome, admins join at the deadline (the level after the whole chain) and the wait goes on', () => {
    const req = requirement({
      timeoutMs: 60_000,
      timeoutOutcome: 'escalate',
      escalation: [
        { afterMs: 30_000, to: 'leads' },
        { afterMs: 90_000, to: 'oncall' },
      ],
    });
    expect(roundSchedule(req, OPENED_AT, roundDeadline(req, OPENED_AT)).deadline).toEqual({ at: OPENED_AT + 60_000, then: { at: OPENED_AT + 60_000, level: 3, to: ADMINS } });
  });

  it('a timed-out round with the approve outcome runs the action; any other outcome expires it', () => {
    const approveOnTimeout = run(opened(requirement({ timeoutOutcome: 'approve' }), ['ana']), { type: 'wait_ended', how: 'timed_out' });
    expect(approveOnTimeout.effects).toEqual([
      { type: 'close_round', approvalId: 'appr-1', round: 1, closure: 'expired', reason: 'no decision before 2026-01-01T01:00:00.000Z; timeout outcome: approve' },
    ]);
    expect(approveOnTimeout.state.verdict).toEqual({ kind: 'approved', effective });

    const denyOnTimeout = run(opened(requirement({ timeoutOutcome: 'deny' }), ['ana']), { type: 'wait_ended', how: 'timed_out' });
    expect(denyOnTimeout.effects[0]).toMatchObject({ closure: 'expired' });
    expect(denyOnTimeout.state.verdict).toEqual({
      kind: 'closed',
      outcome: { status: 'expired', actionId: 'act-1', reason: 'no decision before the deadline (2026-01-01T01:00:00.000Z); the request was not run' },
    });
  });

  it('a decision stored after its round ended does not count in the next round', () => {
    const { state: first } = run(opened(requirement({ requiredApprovals: 2 }), ['ana', 'bo']), {
      type: 'decision_received',
      decision: decision('bo', 'approve'),
      decidedAt: 'now',
    });
    const listedIn = currentRound(first);
    // The round ends (here: an edit by ana) while bo's decision is still being written.
    const received = run(first, { type: 'decision_received', decision: decision('ana', 'approve', { editedArgs: { path: '/srv/y' } }), decidedAt: 'now' }).state;
    const review = {
      ok: true as const,
      classification: { decision: 'require_approval' as const, tier: 'high' as const, reasons: [], approval: requirement({ requiredApprovals: 2 }) },
      argsHash: EDITED_HASH,
      redactedArgs: {},
      budgetHolder: 'act-1#edit1',
      budgetReserved: false,
      budgetImpacts: [],
    };
    const ended = run(received, { type: 'edit_reviewed', review }, { type: 'edit_recorded' }, { type: 'wait_ended', how: 'decided' }).state;
    const second = run(ended, { type: 'round_opened', number: 2, approvalId: 'appr-2', deadline: null, approvers: { eligible: approvers('ana', 'bo'), excluded: [] } }).state;
    const late = run(second, { type: 'decision_recorded', round: 1 }).state;
    expect(late).toBe(second);
    expect(currentRound(late).decisions.map((d) => d.approverId)).toEqual(['ana']);
    expect(replyToDecision(late, listedIn)).toMatchObject({ approvalsSoFar: 1, approvalStatus: 'open' });
  });
});

describe('deadlinePassed (the decide validator refuses from the deadline on)', () => {
  const deadline = OPENED_AT + 3_600_000;
  it('is false before the deadline and true from it, for a round that times out there', () => {
    for (const timeoutOutcome of ['deny', 'approve'] as const) {
      const state = opened(requirement({ timeoutOutcome }), ['alice']);
      expect(deadlinePassed(state, deadline - 1)).toBe(false);
      expect(deadlinePassed(state, deadline)).toBe(true);
    }
  });
  it('is false for a round that escalates at its deadline or has none, and once the round stopped accepting', () => {
    expect(deadlinePassed(opened(requirement({ timeoutOutcome: 'escalate' }), ['alice']), deadline + 1)).toBe(false);
    expect(deadlinePassed(opened(requirement({ timeoutOutcome: 'wait_forever' }), ['alice']), deadline + 1)).toBe(false);
    const closed = run(opened(requirement(), ['alice']), { type: 'wait_ended', how: 'timed_out' }).state;
    expect(deadlinePassed(closed, deadline + 1)).toBe(false);
    expect(deadlinePassed(startApproval('act-1', requirement(), [], effective), deadline + 1)).toBe(false);
  });
});

describe('approvers who lost standing, at a deadline that times the round out (approvers_narrowed)', () => {
  const quorumOfTwo = () => requirement({ requiredApprovals: 2, denyEndsIt: false, timeoutOutcome: 'approve' });

  it('drops those who lost standing: a deny that leaves the quorum out of reach of the rest ends the round denied, saying why', () => {
    let state = opened(quorumOfTwo(), ['ana', 'bo', 'cy']);
    state = decide(state, 'bo', 'deny');
    // ana and cy could still make two approvals.
    expect(currentRound(state).tally).toBe('open');
    // cy lost standing (disabled): only ana may still approve, one approval of two.
    const narrowed = run(state, { type: 'approvers_narrowed', standing: ['ana'] }).state;
    expect(currentRound(narrowed).eligible.map((a) => a.id)).toEqual(['ana', 'bo']);
    expect(currentRound(narrowed).lostStanding).toEqual(['cy']);
    expect(currentRound(narrowed).tally).toBe('denied');
    expect(roundEnded(narrowed)).toBe(true);
    const closed = run(narrowed, { type: 'wait_ended', how: 'decided' });
    expect(closed.effects).toEqual([
      {
        type: 'close_round',
        approvalId: 'appr-1',
        round: 1,
        closure: 'denied',
        reason: 'denied by bo: the approvers still standing cannot reach 2 approvals (cy may no longer decide)',
      },
    ]);
    expect(closed.state.verdict).toEqual({
      kind: 'closed',
      outcome: {
        status: 'denied',
        actionId: 'act-1',
        reason: 'denied by bo: the approvers still standing cannot reach 2 approvals (cy may no longer decide)',
        deniedBy: 'bo',
      },
    });
  });

  it('without that, the same round times out and runs (the approve outcome): the behaviour the recount prevents', () => {
    let state = opened(quorumOfTwo(), ['ana', 'bo', 'cy']);
    state = decide(state, 'bo', 'deny');
    const timedOut = run(state, { type: 'wait_ended', how: 'timed_out' }).state;
    expect(timedOut.verdict).toEqual({ kind: 'approved', effective });
  });

  it('keeps everyone who already decided, standing or not: a recorded decision stands', () => {
    let state = opened(requirement({ requiredApprovals: 2, denyEndsIt: false }), ['ana', 'bo', 'cy', 'dee']);
    state = decide(state, 'ana', 'approve');
    state = decide(state, 'bo', 'deny');
    // Nobody is reported standing: ana and bo decided and stay; cy and dee are dropped.
    const narrowed = run(state, { type: 'approvers_narrowed', standing: [] }).state;
    expect(currentRound(narrowed).eligible.map((a) => a.id)).toEqual(['ana', 'bo']);
    expect(currentRound(narrowed).decisions.map((d) => d.approverId)).toEqual(['ana', 'bo']);
    expect(currentRound(narrowed).lostStanding).toEqual(['cy', 'dee']);
    expect(currentRound(narrowed).tally).toBe('denied');
  });

  it('leaves the round open while those still standing can reach the quorum', () => {
    let state = opened(quorumOfTwo(), ['ana', 'bo', 'cy', 'dee']);
    state = decide(state, 'bo', 'deny');
    const narrowed = run(state, { type: 'approvers_narrowed', standing: ['ana', 'dee'] }).state;
    expect(currentRound(narrowed).eligible.map((a) => a.id)).toEqual(['ana', 'bo', 'dee']);
    expect(currentRound(narrowed).tally).toBe('open');
    expect(roundEnded(narrowed)).toBe(false);
    // So it times out as before.
    expect(run(narrowed, { type: 'wait_ended', how: 'timed_out' }).state.verdict).toEqual({ kind: 'approved', effective });
  });

  it('never widens: someone reported standing who was no approver of the round stays out', () => {
    let state = opened(quorumOfTwo(), ['ana', 'bo', 'cy']);
    state = decide(state, 'bo', 'deny');
    const narrowed = run(state, { type: 'approvers_narrowed', standing: ['ana', 'cy', 'erin'] });
    // Nobody lost standing: the state is the one it was.
    expect(narrowed.state).toBe(state);
    expect(narrowed.effects).toEqual([]);
    expect(() => checkDecision(narrowed.state, decision('erin', 'approve'))).toThrow(/not an approver of this round/);
  });

  it('never approves: listed approvals not yet recorded do not settle the round here', () => {
    let state = opened(quorumOfTwo(), ['ana', 'bo', 'cy', 'dee']);
    state = decide(state, 'bo', 'deny');
    state = decide(state, 'ana', 'approve');
    // cy's approval is listed (its write in flight): two approvals, but counted only once recorded.
    state = run(state, { type: 'decision_received', decision: decision('cy', 'approve'), decidedAt: 'now' }).state;
    const narrowed = run(state, { type: 'approvers_narrowed', standing: [] }).state;
    expect(currentRound(narrowed).lostStanding).toEqual(['dee']);
    expect(currentRound(narrowed).tally).toBe('open');
  });

  it('does nothing to a round that no longer takes decisions', () => {
    let state = opened(quorumOfTwo(), ['ana', 'bo', 'cy']);
    state = decide(state, 'bo', 'deny');
    const closed = run(state, { type: 'wait_ended', how: 'timed_out' }).state;
    expect(run(closed, { type: 'approvers_narrowed', standing: [] }).state).toBe(closed);
  });
});

describe('an escalation step that resolves the approvers again (escalated)', () => {
  const escalation = [{ afterMs: 60_000, to: 'oncall' }];
  const escalated = (eligible: string[], { recount = true, level = 1 } = {}): ApprovalEvent => ({
    type: 'escalated',
    level,
    approvers: { eligible: approvers(...eligible), excluded: [] },
    recount,
  });

  it('counts an approver it dropped undecided as lost: a deny then leaves the quorum out of reach, and the round is denied, saying why', () => {
    let state = opened(requirement({ requiredApprovals: 2, denyEndsIt: false, timeoutOutcome: 'approve', escalation }), ['ana', 'bo', 'cy']);
    state = decide(state, 'ana', 'deny');
    expect(currentRound(state).tally).toBe('open');
    // bo was disabled meanwhile: the step resolves ana and cy.
    const widened = run(state, escalated(['ana', 'cy'])).state;
    expect(currentRound(widened).eligible.map((a) => a.id)).toEqual(['ana', 'cy']);
    expect(currentRound(widened).lostStanding).toEqual(['bo']);
    expect(currentRound(widened).escalationLevel).toBe(1);
    expect(currentRound(widened).tally).toBe('denied');
    expect(roundEnded(widened)).toBe(true);
    const closed = run(widened, { type: 'wait_ended', how: 'decided' });
    expect(closed.effects).toEqual([
      {
        type: 'close_round',
        approvalId: 'appr-1',
        round: 1,
        closure: 'denied',
        reason: 'denied by ana: the approvers still standing cannot reach 2 approvals (bo may no longer decide)',
      },
    ]);
    expect(closed.state.verdict).toMatchObject({ kind: 'closed', outcome: { status: 'denied', deniedBy: 'ana' } });
  });

  it('histories from before took the list as it came: the same round stayed open and timed out approved', () => {
    let state = opened(requirement({ requiredApprovals: 2, denyEndsIt: false, timeoutOutcome: 'approve', escalation }), ['ana', 'bo', 'cy']);
    state = decide(state, 'ana', 'deny');
    const widened = run(state, escalated(['ana', 'cy'], { recount: false })).state;
    expect(currentRound(widened).eligible.map((a) => a.id)).toEqual(['ana', 'cy']);
    expect(currentRound(widened).lostStanding).toBeUndefined();
    expect(currentRound(widened).tally).toBe('open');
    expect(run(widened, { type: 'wait_ended', how: 'timed_out' }).state.verdict).toEqual({ kind: 'approved', effective });
  });

  it('keeps an approver who decided and was dropped since: her approval still counts, and a later deny does not end the round early', () => {
    let state = opened(requirement({ requiredApprovals: 3, denyEndsIt: false, escalation }), ['ana', 'bo', 'cy', 'di']);
    state = decide(state, 'ana', 'approve');
    // ana was demoted: the step resolves bo, cy and di.
    state = run(state, escalated(['bo', 'cy', 'di'])).state;
    expect(currentRound(state).eligible.map((a) => a.id)).toEqual(['bo', 'cy', 'di', 'ana']);
    expect(currentRound(state).lostStanding).toBeUndefined();
    // ana's approval and cy's and di's still to come make three.
    state = decide(state, 'bo', 'deny');
    expect(currentRound(state).tally).toBe('open');
    state = decide(state, 'cy', 'approve');
    state = decide(state, 'di', 'approve');
    expect(currentRound(state).tally).toBe('approved');
  });

  it('histories from before dropped her: the deny ended that round denied while three approvals were in reach', () => {
    let state = opened(requirement({ requiredApprovals: 3, denyEndsIt: false, escalation }), ['ana', 'bo', 'cy', 'di']);
    state = decide(state, 'ana', 'approve');
    state = run(state, escalated(['bo', 'cy', 'di'], { recount: false })).state;
    state = decide(state, 'bo', 'deny');
    expect(currentRound(state).tally).toBe('denied');
  });

  it('keeps an editor whose edit is under review, and widens the round to those the step adds', () => {
    let state = opened(requirement({ requiredApprovals: 2, denyEndsIt: false, escalation }), ['ana', 'bo']);
    state = run(state, { type: 'decision_received', decision: decision('ana', 'approve', { editedArgs: { path: '/tmp/y' } }), decidedAt: 'now' }).state;
    state = run(state, escalated(['bo', 'olga'])).state;
    expect(currentRound(state).eligible.map((a) => a.id)).toEqual(['bo', 'olga', 'ana']);
    expect(currentRound(state).lostStanding).toBeUndefined();
  });

  it('takes back someone who lost standing at an earlier step and has it again', () => {
    let state = opened(requirement({ requiredApprovals: 2, denyEndsIt: false, escalation }), ['ana', 'bo', 'cy']);
    state = run(state, escalated(['ana', 'bo'])).state;
    expect(currentRound(state).lostStanding).toEqual(['cy']);
    state = run(state, escalated(['ana', 'bo', 'cy'], { level: 2 })).state;
    expect(currentRound(state).eligible.map((a) => a.id)).toEqual(['ana', 'bo', 'cy']);
    expect(currentRound(state).lostStanding).toBeUndefined();
  });

  it('never approves and never reopens: a settled round keeps its tally', () => {
    let state = opened(requirement({ requiredApprovals: 2, denyEndsIt: false, escalation }), ['ana', 'bo', 'cy']);
    state = decide(state, 'ana', 'approve');
    // bo's approval is listed (its write in flight): counted once recorded, not by the step.
    state = run(state, { type: 'decision_received', decision: decision('bo', 'approve'), decidedAt: 'now' }).state;
    expect(currentRound(run(state, escalated(['ana', 'bo'])).state).tally).toBe('open');
    const approved = run(state, { type: 'decision_recorded', round: 1 }).state;
    expect(currentRound(run(approved, escalated([])).state).tally).toBe('approved');
  });
});
