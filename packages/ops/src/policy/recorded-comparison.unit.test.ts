import { compilePolicy } from '@airlock/policy';
import { describe, expect, it } from 'vitest';
import { countApprovalChange, emptyApprovalTotals, sortedTermShifts, type ApprovalTermShift } from './backtest.js';
import { approvalShift, approvalTermChanges } from './outcome-change.js';
import { compareRecorded, type RecordedAction } from './recorded-comparison.js';

// A recorded plan is classified as admission classifies it (classifyPlan), each step by the
// policy on its stored arguments, with redacted fields still tried both ways.

const policyText = `apiVersion: airlock/v1
rules:
  - { id: refunds, tools: [payments.refund], when: 'cents(args.amount) > 5000', tier: high, outcome: require_approval, reason: one approver }
  - { id: large-refunds, tools: [payments.refund], when: 'cents(args.amount) > 100000', tier: critical, outcome: require_approval, reason: two approvers, approval: { quorum: 2 } }
  - { id: small-refunds, tools: [payments.refund], when: 'cents(args.amount) <= 5000', tier: low, outcome: allow, reason: small }
  - { id: mail, tools: [mail.send], when: '!args.to.endsWith("@corp.com")', tier: medium, outcome: require_approval, reason: outside }
`;
const policy = compilePolicy(policyText, 'p.yaml');
const refund = (amount: string) => ({ tool: 'payments.refund', args: { paymentId: 'p', amount, currency: 'USD' } });
const plan = (args: Record<string, unknown>): RecordedAction => ({
  tool: 'airlock.plan',
  args,
  rationale: 'r',
  signals: {},
  agent: { id: 'a', team: 't', owner: null, allowedTools: ['*'] },
});

describe('compareRecorded for a plan', () => {
  it('takes the strictest step with the highest quorum, its rules, and step-labelled reasons', () => {
    const result = compareRecorded(policy, policy, plan({ steps: [refund('125.00'), refund('2500.00')] }));
    expect(result).toMatchObject({ status: 'same', live: { decision: 'require_approval', tier: 'critical', rules: ['refunds', 'large-refunds'] } });
    expect(result.classifications.live).toMatchObject({ approval: { requiredApprovals: 2 }, policyVersion: policy.version });
    expect(result.classifications.live.reasons).toEqual(expect.arrayContaining(['step 1 (payments.refund): refunds: one approver']));
    const allowedFirst = compareRecorded(policy, policy, plan({ steps: [refund('20.00'), refund('125.00')] }));
    expect(allowedFirst.live).toEqual({ decision: 'require_approval', tier: 'high', rules: ['refunds'], approval: expect.objectContaining({ requiredApprovals: 1 }) as unknown });
  });

  it('a step reading a redacted field is still tried both ways', () => {
    const steps = [refund('20.00'), { tool: 'mail.send', args: { to: '[REDACTED:email]' } }];
    expect(compareRecorded(policy, policy, plan({ steps }))).toMatchObject({
      status: 'same',
      unknownReads: [{ policy: 'live', ruleId: 'mail', fields: ['args.to'] }, { policy: 'candidate' }],
    });
    const denying = compilePolicy(policyText.replace('outcome: require_approval, reason: outside', 'outcome: deny, reason: outside'), 'c.yaml');
    expect(compareRecorded(policy, denying, plan({ steps }))).toMatchObject({ status: 'uncertain' });
  });

  it('a plan whose arguments do not parse is denied whatever the policy, as admission denies it', () => {
    const result = compareRecorded(policy, policy, plan({ steps: [] }));
    expect(result).toMatchObject({ status: 'same', live: { decision: 'deny', tier: 'critical' }, unknownReads: [] });
    expect(result.classifications.live.reasons[0]).toMatch(/^invalid plan: args\.steps/);
  });
});

// A candidate that changes what people must do to approve (not whether they are asked) was "same":
// only the decision and the tier were compared.
describe('compareRecorded: the approval asked by both', () => {
  const single = (amount: string): RecordedAction => ({ ...refund(amount), rationale: 'r', signals: {}, agent: { id: 'a', team: 't', owner: null, allowedTools: ['*'] } });
  const withRefunds = (approval: string) =>
    compilePolicy(policyText.replace('outcome: require_approval, reason: one approver }', `outcome: require_approval, reason: one approver, approval: ${approval} }`), 'c.yaml');

  it('a higher quorum is a change, stricter, naming the term', () => {
    const result = compareRecorded(policy, withRefunds('{ quorum: 2 }'), single('125.00'));
    expect(result.status).toBe('changed');
    expect(result.live).toMatchObject({ decision: 'require_approval', tier: 'high', approval: { requiredApprovals: 1 } });
    expect(result.candidate).toMatchObject({ decision: 'require_approval', tier: 'high', approval: { requiredApprovals: 2 } });
    const terms = approvalTermChanges(result.live.approval, result.candidate.approval);
    expect(terms).toEqual([{ term: 'quorum', from: '1', to: '2', direction: 'stricter' }]);
    expect(approvalShift(terms)).toBe('stricter');
    // The same policy: nothing to report.
    expect(compareRecorded(policy, policy, single('125.00')).status).toBe('same');
  });

  it('role, group, deny-ends-it and the timeout have directions; the deadline and escalation do not', () => {
    const compare = (approval: string) => {
      const result = compareRecorded(policy, withRefunds(approval), single('125.00'));
      expect(result.status).toBe('changed');
      const terms = approvalTermChanges(result.live.approval, result.candidate.approval);
      return { terms, shift: approvalShift(terms) };
    };
    expect(compare('{ role: admin }')).toEqual({ terms: [{ term: 'role', from: 'approver', to: 'admin', direction: 'stricter' }], shift: 'stricter' });
    expect(compare('{ group: finance }').terms).toEqual([{ term: 'group', from: 'none', to: 'finance', direction: 'stricter' }]);
    expect(compare('{ denyEndsIt: false }')).toMatchObject({ terms: [{ term: 'denyEndsIt', from: 'true', to: 'false', direction: 'looser' }], shift: 'looser' });
    expect(compare('{ timeout: approve }')).toMatchObject({ terms: [{ term: 'timeout', from: 'deny', to: 'approve', direction: 'looser' }], shift: 'looser' });
    expect(compare('{ deadline: 4h }')).toEqual({ terms: [{ term: 'deadline', from: '1h', to: '4h', direction: null }], shift: 'other' });
    expect(compare('{ escalation: [{ after: 30m, to: leads }] }')).toEqual({
      terms: [{ term: 'escalation', from: 'none', to: 'after 30m to leads', direction: null }],
      shift: 'other',
    });
    // One term each way is neither; with an undirected term beside, the directed one says it.
    expect(compare('{ quorum: 2, denyEndsIt: false }').shift).toBe('other');
    expect(compare('{ quorum: 2, deadline: 4h }').shift).toBe('stricter');
  });

  it('a plan takes its strictest step with the highest quorum: raising that quorum is a change', () => {
    const candidate = compilePolicy(policyText.replace('approval: { quorum: 2 }', 'approval: { quorum: 3 }'), 'c.yaml');
    const result = compareRecorded(policy, candidate, plan({ steps: [refund('125.00'), refund('2500.00')] }));
    expect(result.status).toBe('changed');
    expect(approvalTermChanges(result.live.approval, result.candidate.approval)).toEqual([{ term: 'quorum', from: '2', to: '3', direction: 'stricter' }]);
  });

  it('a quorum that depends on a redacted field is uncertain, not guessed', () => {
    const text = `apiVersion: airlock/v1
rules:
  - { id: mail, tools: [mail.send], tier: medium, outcome: require_approval, reason: outside }
  - { id: mail-outside, tools: [mail.send], when: '!args.to.endsWith("@corp.com")', tier: medium, outcome: require_approval, reason: two, approval: { quorum: 2 } }
`;
    const live = compilePolicy(text, 'l.yaml');
    const candidate = compilePolicy(text.replace('approval: { quorum: 2 }', 'approval: { quorum: 3 }'), 'c.yaml');
    const mail: RecordedAction = {
      tool: 'mail.send',
      args: { to: '[REDACTED:email]' },
      rationale: 'r',
      signals: {},
      agent: { id: 'a', team: 't', owner: null, allowedTools: ['*'] },
    };
    expect(compareRecorded(live, candidate, mail).status).toBe('uncertain');
    expect(compareRecorded(live, live, mail).status).toBe('same');
  });
});

describe('countApprovalChange', () => {
  it('counts asked, dropped, stricter, looser and other changes apart, with their money per currency and each term moved', () => {
    const totals = emptyApprovalTotals();
    const shifts = new Map<string, ApprovalTermShift>();
    const ask = (requiredApprovals: number, timeoutMs = 3_600_000) => ({
      decision: 'require_approval' as const,
      approval: { requiredApprovals, approverRole: 'approver' as const, denyEndsIt: true, timeoutMs, timeoutOutcome: 'deny' as const, escalation: [] },
    });
    const allow = { decision: 'allow' as const, approval: null };
    countApprovalChange(totals, shifts, ask(1), ask(2), 2, '300.00', 'USD');
    countApprovalChange(totals, shifts, ask(1), ask(2), 1, '10.00', 'EUR');
    countApprovalChange(totals, shifts, ask(2), ask(1), 1, '5.00', 'USD');
    countApprovalChange(totals, shifts, ask(1), ask(1, 14_400_000), 1, null, null);
    countApprovalChange(totals, shifts, allow, ask(1), 1, '1.00', 'USD');
    countApprovalChange(totals, shifts, ask(1), ask(1), 1, '1.00', 'USD');
    expect(totals).toEqual({
      newlyAsked: { count: 1, amount: '1.00', amounts: [{ currency: 'USD', amount: '1.00' }] },
      noLongerAsked: { count: 0, amount: '0.00', amounts: [] },
      stricter: {
        count: 3,
        amount: '310.00',
        amounts: [
          { currency: 'USD', amount: '300.00' },
          { currency: 'EUR', amount: '10.00' },
        ],
      },
      looser: { count: 1, amount: '5.00', amounts: [{ currency: 'USD', amount: '5.00' }] },
      otherChanges: { count: 1, amount: '0.00', amounts: [] },
    });
    expect(sortedTermShifts(shifts).map(({ term, from, to, count }) => [term, from, to, count])).toEqual([
      ['quorum', '1', '2', 3],
      ['quorum', '2', '1', 1],
      ['deadline', '1h', '4h', 1],
    ]);
  });
});
