import { describe, expect, it } from 'vitest';
import { webhookEventsOf, type LifecycleAuditRow } from './events.js';

// The rows an approval round ends with, as the outbox reads them. test/src/webhooks/approval-outcomes.test.ts runs
// the same through real workflows; these are the cases a workflow writes rarely (an abandoned edit) or never (other words).

const row = (type: string, payload: unknown, editClassified?: unknown): LifecycleAuditRow => ({
  seq: 41n,
  actionId: 'act_1',
  type,
  actor: 'system:workflow',
  payload,
  createdAt: new Date('2026-12-07T10:00:00.000Z'),
  agentId: 'billing-bot',
  tool: 'payments.refund',
  ...(editClassified === undefined ? {} : { editClassified }),
});

const decided = (events: ReturnType<typeof webhookEventsOf>) => events.map((e) => [e.id, e.body.data.decidedBy, e.body.data.decision]);
const edit = (decision: string, tier = 'high') => ({
  argsHash: 'h',
  editedArgs: { reason: 'blocked' },
  decision,
  tier,
  reasons: ['r'],
  policyVersion: 'v1',
  ...(decision === 'require_approval' ? { approval: { requiredApprovals: 1, approverRole: 'approver', timeoutMs: 60_000, timeoutOutcome: 'deny', escalation: [] } } : {}),
});

describe('action.decided for a round that timed out', () => {
  it('takes the outcome from the closing words: approve allows, any other outcome denies', () => {
    const timedOut = (outcome: string) =>
      row('approval.timed_out', { approvalId: 'apr_1', round: 2, reason: `no decision before 2026-12-07T09:00:00.000Z; timeout outcome: ${outcome}` });
    expect(decided(webhookEventsOf(timedOut('approve')))).toEqual([['evt_41_0', 'timeout', 'allow']]);
    expect(decided(webhookEventsOf(timedOut('deny')))).toEqual([['evt_41_0', 'timeout', 'deny']]);
    expect(webhookEventsOf(timedOut('approve'))[0]!.body.data).toMatchObject({ approvalId: 'apr_1', round: 2, actionId: 'act_1', auditSeq: '41' });
  });

  it('sends no decision when the reason is not in those words (it cannot tell which)', () => {
    expect(webhookEventsOf(row('approval.timed_out', { approvalId: 'apr_1', reason: 'the deadline passed' }))).toEqual([]);
  });
});

describe('action.decided for an approved round with an edit classified in it', () => {
  const closedOnEdit = 'alice approved edited arguments; re-classified as deny (high)';

  it('adds the policy’s verdict on the edit that closed it, after the approvers’ decision', () => {
    const events = webhookEventsOf(row('approval.approved', { approvalId: 'apr_1', round: 1, reason: closedOnEdit }, edit('deny')));
    expect(decided(events)).toEqual([
      ['evt_41_0', 'approvers', 'allow'],
      ['evt_41_1', 'policy', 'deny'],
    ]);
    expect(events[1]!.body.data).toEqual({
      actionId: 'act_1',
      agentId: 'billing-bot',
      tool: 'payments.refund',
      auditSeq: '41',
      actor: 'system:workflow',
      decision: 'deny',
      decidedBy: 'policy',
      tier: 'high',
      reasons: ['r'],
      policyVersion: 'v1',
    });
  });

  it('adds nothing when the round closed otherwise (an edit abandoned before a quorum approved), or on another verdict than the one it names', () => {
    expect(decided(webhookEventsOf(row('approval.approved', { approvalId: 'apr_1', round: 1, reason: 'approved by alice' }, edit('deny'))))).toEqual([
      ['evt_41_0', 'approvers', 'allow'],
    ]);
    expect(decided(webhookEventsOf(row('approval.approved', { approvalId: 'apr_1', round: 1, reason: closedOnEdit }, edit('allow', 'low'))))).toEqual([
      ['evt_41_0', 'approvers', 'allow'],
    ]);
  });

  it('adds nothing for an edit that needs another round: that round’s opening follows', () => {
    const reason = 'alice approved edited arguments; re-classified as require_approval (high)';
    expect(decided(webhookEventsOf(row('approval.approved', { approvalId: 'apr_1', round: 1, reason }, edit('require_approval'))))).toEqual([['evt_41_0', 'approvers', 'allow']]);
  });
});
