import { parseAuditEvent } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { approvalMessage, type ApprovalCard } from '../blocks/approval-message.js';
import { executionState, roundStatus, type EventRow } from './action-view.js';

const actionId = 'a-1';
const at = (second: number) => new Date(Date.UTC(2026, 11, 4, 12, 0, second));
const row = (type: string, payload: unknown, second: number): EventRow => {
  const event = parseAuditEvent(type, payload);
  if (event.type === 'legacy') throw new Error(`${type}: ${event.problem}`);
  return { event, createdAt: at(second) };
};
const started = row('tool.started', { tool: 'payments.refund', idempotencyKey: `${actionId}:run` }, 1);
const approved = { kind: 'approved', at: at(0) } as const;

describe("the run's line on an approved round", () => {
  it('says the run was cancelled when its worker died mid-run and the action then ended cancelled (no tool.* end written)', () => {
    const completed = row('action.completed', { status: 'cancelled', actionId, reason: 'kill switch (agent billing-bot)' }, 5);
    expect(executionState([started, completed], approved, { status: 'cancelled', actionId, reason: 'kill switch (agent billing-bot)' })).toEqual({
      kind: 'cancelled',
      at: at(5),
    });
  });

  it('says it failed, with the error, when the action ended failed after the start', () => {
    const completed = row('action.completed', { status: 'failed', actionId, error: 'worker lost' }, 6);
    expect(executionState([started, completed], approved, { status: 'failed', actionId, error: 'worker lost' })).toEqual({ kind: 'failed', at: at(6), error: 'worker lost' });
  });

  it('keeps showing it running until the action ends, and prefers the tool’s own end when there is one', () => {
    expect(executionState([started], approved, undefined)).toEqual({ kind: 'running', at: at(1) });
    const cancelled = row('tool.cancelled', { tool: 'payments.refund' }, 3);
    const completed = row('action.completed', { status: 'cancelled', actionId, reason: 'operator' }, 4);
    expect(executionState([started, cancelled, completed], approved, { status: 'cancelled', actionId, reason: 'operator' })).toEqual({ kind: 'cancelled', at: at(3) });
  });
});

describe("the run's line on an approved gate-only action (the agent runs the tool)", () => {
  const hash = 'a'.repeat(64);
  const authorized = row('action.authorized', { tool: 'shell.exec', authorizationId: 'au-1', argsHash: hash, expiresAt: at(60).toISOString() }, 1);
  const claimed = row('action.authorization_claimed', { tool: 'shell.exec', authorizationId: 'au-1', runnerId: 'runner-1', claimedAt: at(2).toISOString() }, 2);
  const failure = { status: 'failed', actionId, error: 'exit code 1: partial delete' } as const;

  it('shows a failure the agent reported as failed, with its error, not as a run the re-check refused', () => {
    const reported = row('tool.reported', { tool: 'shell.exec', status: 'failed', error: 'exit code 1: partial delete' }, 3);
    const completed = row('action.completed', failure, 4);
    const state = executionState([authorized, claimed, reported, completed], approved, failure);
    expect(state).toEqual({ kind: 'failed', at: at(3), error: 'exit code 1: partial delete', reported: true });
    // Reported without a claim (a runner that does not claim) too.
    expect(executionState([authorized, reported, completed], approved, failure)).toEqual(state);
  });

  it('shows a success the agent reported as succeeded', () => {
    const reported = row('tool.reported', { tool: 'shell.exec', status: 'succeeded' }, 3);
    const completed = row('action.completed', { status: 'executed', actionId }, 4);
    expect(executionState([authorized, reported, completed], approved, { status: 'executed', actionId })).toEqual({ kind: 'succeeded', at: at(3), reported: true });
  });

  it('shows a claimed run as running until the report', () => {
    expect(executionState([authorized, claimed], approved, undefined)).toEqual({ kind: 'running', at: at(2), claimed: true });
  });

  it('says a claimed run ended without a report (a kill switch, the authorization expiring) may have run, not that it did not run', () => {
    const reason = `kill switch (agent ops-bot); the authorization was revoked after its run claimed at ${at(2).toISOString()} and never reported: the tool may have run and its result is unknown; the budget stays spent`;
    const cancelled = { status: 'cancelled', actionId, reason } as const;
    expect(executionState([authorized, claimed, row('action.completed', cancelled, 9)], approved, cancelled)).toEqual({
      kind: 'may_have_run',
      at: at(9),
      claimedAt: at(2),
      reason,
    });
    const expired = { status: 'expired', actionId, reason: 'the authorization expired 60s after it was issued, its run claimed …' } as const;
    expect(executionState([authorized, claimed, row('action.completed', expired, 9)], approved, expired)).toMatchObject({ kind: 'may_have_run', reason: expired.reason });
  });

  it('says an authorization never claimed nor reported was not run, and says why', () => {
    const expired = { status: 'expired', actionId, reason: 'the authorization was not used (no report) within 60s; the budget is released' } as const;
    expect(executionState([authorized, row('action.completed', expired, 9)], approved, expired)).toEqual({ kind: 'not_run', reason: expired.reason });
  });

  it('still says a worker-run action the re-check refused was not run, and says nothing more of a round that timed out unapproved', () => {
    const refused = { status: 'denied', actionId, reason: 'the re-check refused it: budget exceeded', deniedBy: 'policy' } as const;
    expect(executionState([row('action.completed', refused, 5)], approved, refused)).toEqual({ kind: 'not_run', reason: refused.reason });
    const timedOut = { status: 'expired', actionId, reason: 'no decision before the deadline' } as const;
    expect(executionState([row('action.completed', timedOut, 5)], { kind: 'expired', at: at(4) }, timedOut)).toEqual({ kind: 'not_started' });
  });

  it('renders the reported failure as the failed run it was', () => {
    const card = {
      actionId,
      approvalId: 'ap-1',
      round: 1,
      tool: 'shell.exec',
      agentId: 'ops-bot',
      team: null,
      requestedBy: null,
      tier: 'high',
      reasons: [],
      args: {},
      argsHash: hash,
      rationale: '',
      budgetImpacts: [],
      deadline: null,
      requiredApprovals: 1,
      approverRole: 'approver',
      approverGroup: null,
      escalation: null,
      decisions: [],
      status: approved,
      execution: { kind: 'failed', at: at(3), error: 'exit code 1: partial delete', reported: true },
      consoleUrl: 'http://console.test',
    } satisfies ApprovalCard;
    const text = JSON.stringify(approvalMessage(card).blocks);
    expect(text).toContain(':x: `shell.exec` failed <!date^');
    expect(text).toContain(', as the agent reported: exit code 1: partial delete');
    expect(text).not.toContain('not run');
  });
});

describe('a round closed by its deadline', () => {
  const closing = (reason: string) => row('approval.timed_out', { approvalId: 'ap-1', round: 1, reason }, 7) as Parameters<typeof roundStatus>[0];
  const approval = { status: 'expired', closedAt: at(7) };

  it('is approved by the timeout rule when its timeout outcome approved it, and timed out otherwise', () => {
    expect(roundStatus(closing('no decision before 2026-12-04T12:00:07.000Z; timeout outcome: approve'), approval, false)).toEqual({
      kind: 'approved',
      at: at(7),
      byTimeoutRule: true,
    });
    expect(roundStatus(closing('no decision before 2026-12-04T12:00:07.000Z; timeout outcome: deny'), approval, false)).toEqual({ kind: 'expired', at: at(7) });
  });
});
