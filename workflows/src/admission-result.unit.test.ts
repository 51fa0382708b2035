import type { Admission } from '@airlock/activities';
import type { ApprovalRequirement, Classification } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { admissionResult } from './admission-result.js';

const approval: ApprovalRequirement = { requiredApprovals: 1, approverRole: 'approver', denyEndsIt: true, timeoutMs: 60_000, timeoutOutcome: 'deny', escalation: [] };
const admission = (classification: Classification): Admission => ({ classification, guardrailFlags: [], budgetImpacts: [], budgetReserved: false });

describe("admission's one result", () => {
  it('is ran when admission ran the tool, whatever else it says', () => {
    const run = { ok: true as const, output: 42, recorded: true };
    expect(admissionResult('act-1', { admission: admission({ decision: 'allow', tier: 'low', reasons: [] }), run })).toMatchObject({ kind: 'ran', run });
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
