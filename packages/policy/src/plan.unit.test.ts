import { classifyPlan, evaluatePolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';
import type { PlanStep } from '@airlock/core/plan';
import { describe, expect, it } from 'vitest';

const policy = loadPolicyFile(DEFAULT_POLICY_FILE);
const agent = { id: 'billing-bot', team: 'billing', owner: null, allowedTools: ['*'] };
const classifyStep = (step: PlanStep) => ({
  classification: evaluatePolicy(policy, { tool: step.tool, toolKnown: step.tool !== 'db.drop', args: step.args, agent, rationale: '' }),
});
const refund = (amount: string) => ({ tool: 'payments.refund', args: { paymentId: 'p', amount, currency: 'USD', reason: 'r' } });
const echo = { tool: 'demo.echo', args: { message: 'x' } };

describe('classifyPlan', () => {
  it('takes the strictest step’s decision and quorum, the highest tier, and every step’s reasons labelled', () => {
    const result = classifyPlan(policy, { steps: [echo, refund('2500.00'), refund('125.00')] }, classifyStep);
    if (!result.ok) throw result.error;
    expect(result.plan.classification).toMatchObject({ decision: 'require_approval', tier: 'critical', approval: { requiredApprovals: 2 }, policyVersion: policy.version });
    expect(result.plan.classification.reasons.every((r) => /^step [123] \((demo\.echo|payments\.refund)\): /.test(r))).toBe(true);
    expect(result.plan.steps.map((s) => [s.step.tool, s.assessed.classification.decision, s.reversible])).toEqual([
      ['demo.echo', 'allow', undefined],
      ['payments.refund', 'require_approval', undefined],
      ['payments.refund', 'require_approval', undefined],
    ]);
  });

  it('denies the plan when one step is denied', () => {
    const result = classifyPlan(policy, { steps: [echo, { tool: 'db.drop', args: {} }] }, classifyStep);
    expect(result.ok && result.plan.classification).toMatchObject({
      decision: 'deny',
      reasons: expect.arrayContaining([expect.stringMatching(/^step 2 \(db\.drop\): unknown tool/)]),
    });
  });

  it('names the steps no one can roll back, only when told which can and the plan has several', () => {
    const reversible = (tool: string) => tool === 'payments.refund';
    const several = classifyPlan(policy, { steps: [echo, refund('10.00')] }, classifyStep, reversible);
    expect(several.ok && several.plan.classification.reasons.at(-1)).toBe('no rollback for step 1 (demo.echo): a later failure cannot undo them');
    const one = classifyPlan(policy, { steps: [echo] }, classifyStep, reversible);
    expect(one.ok && one.plan.classification.reasons.some((r) => r.startsWith('no rollback'))).toBe(false);
    const untold = classifyPlan(policy, { steps: [echo, refund('10.00')] }, classifyStep);
    expect(untold.ok && untold.plan.classification.reasons.some((r) => r.startsWith('no rollback'))).toBe(false);
  });

  it('returns the zod error of malformed plan args, classifying nothing', () => {
    const result = classifyPlan(policy, { steps: [] }, () => {
      throw new Error('no step to classify');
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.issues[0]?.path).toEqual(['steps']);
  });
});
