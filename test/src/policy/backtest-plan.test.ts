import { readFile } from 'node:fs/promises';
import { defaultActivityDeps } from '@airlock/activities';
import { Classification, PLAN_TOOL, type PlanStep } from '@airlock/core';
import { submitAction } from '@airlock/core/gateway';
import { backtestPolicy, compareRecorded, type RecordedAction } from '@airlock/ops';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForStatus } from '../support/actions.js';
import { defaultPolicy, seedTeam, startHarness, type Harness } from '../support/harness.js';
import { candidatePolicy } from './candidate-policy.js';

// A backtest re-classifies a recorded plan as admission classified it (classifyPlan): the
// strictest step with the highest quorum among equals, that step's rules. Plans admitted by
// the real gate (real worker, real Temporal, real PostgreSQL), then backtested.

describe('policy backtest of plans (airlock.plan)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ deps: (db) => defaultActivityDeps(db, defaultPolicy()) });
    await seedTeam(h.db);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  const refund = (amount: string, paymentId: string): PlanStep => ({ tool: 'payments.refund', args: { paymentId, amount, currency: 'USD', reason: 'plan' } });

  /** Submits the plan as billing-bot, waits until admission has decided, and returns its id and what admission recorded (`action.classified`). */
  async function admit(steps: PlanStep[]): Promise<{ id: string; recorded: Classification }> {
    const request = { agentId: 'billing-bot', tool: PLAN_TOOL, args: { steps }, rationale: 'batch of refunds', idempotencyKey: `plan-${Math.random().toString(36).slice(2)}` };
    const { actionId } = await submitAction(h.client, h.taskQueue, request);
    await waitForStatus(h.client, actionId, (s) => s.phase !== 'classifying');
    const event = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId, type: 'action.classified' } });
    return { id: actionId, recorded: Classification.parse(event.payload) };
  }

  /** The action as the backtest reads it: stored (redacted) arguments, the agent as it is now. */
  async function stored(actionId: string): Promise<RecordedAction> {
    const row = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId }, include: { agent: true } });
    return {
      tool: row.tool,
      args: row.args as Record<string, unknown>,
      rationale: row.rationale,
      signals: row.signals as Record<string, unknown> | null,
      agent: { id: row.agent.id, team: row.agent.team, owner: row.agent.ownerId, allowedTools: row.agent.allowedTools },
    };
  }

  it('under the live policy agrees with admission: no change, and the 2-approver step sets the quorum even when a 1-approver step comes first', async () => {
    // 125.00 needs one approver, 2,500.00 two (default policy); 20.00 runs without one.
    const quorum = await admit([refund('125.00', 'pay_a1'), refund('2500.00', 'pay_a2')]);
    const mixed = await admit([refund('20.00', 'pay_b1'), refund('2500.00', 'pay_b2')]);
    expect(quorum.recorded).toMatchObject({ decision: 'require_approval', tier: 'critical', approval: { requiredApprovals: 2 } });
    expect(mixed.recorded).toMatchObject({ decision: 'require_approval', tier: 'critical', approval: { requiredApprovals: 2 } });

    const live = defaultPolicy().current();
    const itself = await backtestPolicy(h.db, live, { candidate: await readFile(DEFAULT_POLICY_FILE, 'utf8'), since: '1d' });
    expect(itself).toMatchObject({ evaluated: 2, same: 2, changed: 0, uncertain: 0, skipped: 0, transitions: [], tierShifts: [], rows: [] });

    for (const { id, recorded } of [quorum, mixed]) {
      const comparison = compareRecorded(live, live, await stored(id));
      expect(comparison.status).toBe('same');
      // The verdict carries the approval asked (2255994: backtests compare what people must do to approve).
      expect(comparison.live).toEqual({
        decision: recorded.decision,
        tier: recorded.tier,
        rules: recorded.matchedRules,
        approval: recorded.decision === 'require_approval' ? recorded.approval : null,
      });
      // Refunds can be rolled back, so admission added no no-rollback reason: the reasons match too.
      expect(comparison.classifications.live).toEqual(recorded);
      expect(comparison.classifications.live.decision === 'require_approval' && comparison.classifications.live.approval.requiredApprovals).toBe(2);
    }

    // A candidate that changes the plans: the live side of each row is still what admission recorded (the strictest step's rules, not every step's).
    const report = await backtestPolicy(h.db, live, { candidate: await candidatePolicy(), source: 'candidate.yaml', since: '1d' });
    expect(report).toMatchObject({ evaluated: 2, changed: 2, same: 0, uncertain: 0 });
    for (const { id, recorded } of [quorum, mixed]) {
      expect(report.rows.find((r) => r.actionId === id)).toMatchObject({
        status: 'changed',
        recorded: 'require_approval',
        live: { decision: recorded.decision, tier: recorded.tier, rules: recorded.matchedRules },
        candidate: { decision: 'deny', tier: 'critical' },
      });
    }
  }, 120_000);
});
