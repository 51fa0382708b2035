import { compilePolicy } from '@airlock/policy';
import { describe, expect, it } from 'vitest';
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
    expect(allowedFirst.live).toEqual({ decision: 'require_approval', tier: 'high', rules: ['refunds'] });
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
