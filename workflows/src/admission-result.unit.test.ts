import type { Admission } from '@airlock/activities';
import type { ApprovalRequirement, Classification } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { admissionResult } from './admission-result.js';

const approval: ApprovalRequirement = { requiredApprovals: 1, approverRole: 'approver', denyEndsIt: true, timeoutMs: 60_000, timeoutOutcome: 'deny', escalation: [] };
const admission = (classification: Classification): Admission => ({ classification, guardrailFlags: [], budgetImpacts: [], budgetReserved: false });

describe("admission's one result", () => {
  it('is ran when admission ran the tool, whatever else it says, with the outcome the run completed the action with', () => {
    const completed = { status: 'executed' as const, actionId: 'act-1', output: 42 };
    expect(admissionResult('act-1', { admission: admission({ decision: 'deny', tier: 'low', reasons: [] }), run: { completed } })).toMatchObject({
      kind: 'ran',
      run: { kind: 'completed', outcome: completed },
    });
  });

  it('reads a run from histories written before the run completed every action: completion is left to the workflow unless it says it recorded it', () => {
    const allow = admission({ decision: 'allow', tier: 'low', reasons: [] });
    const executed = { status: 'executed', actionId: 'act-1', output: 42 };
    expect(admissionResult('act-1', { admission: allow, run: { ok: true, output: 42, recorded: true } })).toMatchObject({ run: { kind: 'completed', outcome: executed } });
    expect(admissionResult('act-1', { admission: allow, run: { ok: true, output: 42, recorded: false } })).toMatchObject({ run: { kind: 'to_complete', outcome: executed } });
    expect(admissionResult('act-1', { admission: allow, run: { ok: false, error: 'boom' } })).toMatchObject({
      run: { kind: 'to_complete', outcome: { status: 'failed', actionId: 'act-1', error: 'boom' } },
    });
  });

  it('is denied by policy with the reasons joined', () => {
    expect(admissionResult('act-1', { admission: admission({ decision: 'deny', tier: 'critical', reasons: ['rate limit', 'budget'] }) })).toMatchObject({
      kind: 'denied',
      outcome: { status: 'denied', actionId: 'act-1', reason: 'rate limit; budget', deniedBy: 'policy' },
    });
  });

  it('needs approval with the requirement, and is allowed (for the workflow or agent to run) otherwise', () => {
    const risky: Classification = { decision: 'require_approval', tier: 'high', reasons: ['writes'], approval };
    expect(admissionResult('act-1', { admission: admission(risky) })).toMatchObject({ kind: 'needs_approval', classification: risky });
    expect(admissionResult('act-1', { admission: admission({ decision: 'allow', tier: 'low', reasons: [] }) }).kind).toBe('allowed');
  });
});
