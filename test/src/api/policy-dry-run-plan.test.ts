import { postAction, postPolicyDryRun, schemas } from '@airlock/console';
import { Classification, PlanStepView } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiRequest, expectError, expectJson, useApiHarness, waitForActionStatus } from './client.js';

// A plan dry-run must answer what admission decides for the same plan under the same policy:
// each step classified as its tool alone, the plan taking the strictest step and the highest tier.

const { h, ctx, keys } = useApiHarness();

const Recorded = z.intersection(Classification, z.object({ plan: z.array(PlanStepView) }));
const refund = (amount: string) => ({ paymentId: 'pay_9', amount, currency: 'USD', reason: 'damaged item' });
const rationale = 'Ticket 77: refund, then confirm.';

const dryRun = (body: unknown) => postPolicyDryRun(apiRequest('/api/v1/policy/dry-run', { key: keys.victor, body }), ctx);

/** Submits the plan as billing-bot and returns what admission recorded for it (`action.classified`). */
async function admit(steps: unknown[], idempotencyKey: string) {
  const body = { tool: 'airlock.plan', args: { steps }, rationale, idempotencyKey };
  const submitted = await expectJson(postAction(apiRequest('/api/v1/actions', { key: keys.agent, body }), ctx), 202, schemas.SubmittedActionView);
  await waitForActionStatus(ctx, keys.agent, submitted.actionId, ['awaiting_approval', 'denied', 'executed']);
  const row = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId: submitted.actionId, type: 'action.classified' } });
  return Recorded.parse(row.payload);
}

const stepOf = ({ tool, description, decision, tier }: { tool: string; description?: string | undefined; decision: string; tier: string }) => ({
  tool,
  description,
  decision,
  tier,
});

describe('POST /policy/dry-run for a plan (airlock.plan)', () => {
  it.each([
    {
      name: 'approval: the strictest step (the 2-approver refund) and the highest tier',
      steps: [
        { tool: 'demo.echo', args: { message: 'starting' }, description: 'announce' },
        { tool: 'payments.refund', args: refund('125.00') },
        { tool: 'payments.refund', args: refund('1500.00'), description: 'the big one' },
      ],
      decision: 'require_approval',
      expected: { tier: 'critical', approval: { requiredApprovals: 2 } },
    },
    {
      name: 'allow: every step allowed',
      steps: [
        { tool: 'demo.echo', args: { message: 'a' } },
        { tool: 'payments.refund', args: refund('20.00') },
      ],
      decision: 'allow',
      expected: { tier: 'low' },
    },
    {
      name: 'deny: one step is an unknown tool',
      steps: [
        { tool: 'demo.echo', args: { message: 'a' } },
        { tool: 'db.drop_everything', args: {} },
      ],
      decision: 'deny',
      expected: {},
    },
  ])('classifies as admission does — $name', async ({ steps, decision, expected }) => {
    const recorded = await admit(steps, `dry-run-plan-${decision}`);
    expect(recorded).toMatchObject({ decision, ...expected });

    const dry = await expectJson(dryRun({ tool: 'airlock.plan', args: { steps }, agentId: 'billing-bot', rationale }), 200, schemas.PolicyDryRunResult);
    const { plan: recordedSteps, reasons: recordedReasons, ...recordedRest } = recorded;
    const { reasons: dryReasons, ...dryRest } = dry.classification;
    expect(dryRest).toEqual(recordedRest);
    // Admission adds one reason the dry-run cannot know: which steps the workers can roll back.
    expect(dryReasons).toEqual(recordedReasons.filter((r) => !r.startsWith('no rollback for ')));
    expect(dry.plan?.map(stepOf)).toEqual(recordedSteps.map(stepOf));
    expect(dry.plan?.map((s) => s.reasons)).toEqual(
      recordedSteps.map((_, index) => dryReasons.filter((r) => r.startsWith(`step ${index + 1} (`)).map((r) => r.replace(/^step \d+ \([^)]*\): /, ''))),
    );
  });

  it('refuses a malformed plan with a 400 naming the field, as it does other bad arguments', async () => {
    const empty = await expectError(dryRun({ tool: 'airlock.plan', args: { steps: [] } }), 400, 'invalid_request');
    expect(empty.issues).toEqual([{ path: 'args.steps', message: expect.any(String) }]);
    const badStep = await expectError(dryRun({ tool: 'airlock.plan', args: { steps: [{ tool: 'payments.refund', args: refund('-5') }] } }), 400, 'invalid_request');
    expect(badStep.issues).toContainEqual({ path: 'args.steps.0.args.amount', message: 'a decimal amount like "125.50"' });
  });

  it('leaves a single tool’s answer without steps', async () => {
    const dry = await expectJson(dryRun({ tool: 'payments.refund', args: refund('125.00') }), 200, schemas.PolicyDryRunResult);
    expect(dry.plan).toBeUndefined();
    expect(dry.classification).toMatchObject({ decision: 'require_approval', tier: 'high' });
  });
});
