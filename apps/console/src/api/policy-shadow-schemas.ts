import { ApprovalRequirement, RiskTier } from '@airlock/core';
import { BacktestInput, SetShadowPolicyInput } from '@airlock/ops';
import { z } from 'zod';

// Policy backtest and shadow mode: the use cases' own input schemas document the bodies.

const Timestamp = z.string().meta({ description: 'ISO 8601', example: '2026-12-04T10:00:00.000Z' });
const Decision = z.enum(['allow', 'require_approval', 'deny']);
const Amount = z.string().meta({ description: 'Sum of the actions’ cost estimates (decimal), whatever their currencies: read `amounts`', example: '125.00' });
const Amounts = z
  .array(z.object({ currency: z.string().nullable().meta({ description: 'null: the currency was not recorded' }), amount: z.string() }))
  .meta({ description: 'The same sum per currency', example: [{ currency: 'EUR', amount: '125.00' }] });
const Verdict = z.object({
  decision: Decision,
  tier: RiskTier,
  rules: z.array(z.string()).meta({ description: 'Matched rule ids' }),
  approval: ApprovalRequirement.nullable().meta({ description: 'Who and how many must approve, by when: null unless the decision is require_approval' }),
});
const ApprovalTerm = z
  .enum(['quorum', 'role', 'group', 'denyEndsIt', 'deadline', 'timeout', 'escalation'])
  .meta({ description: 'A field of the policy’s approval block (quorum, role, group, denyEndsIt, deadline, timeout, escalation)' });
const ApprovalTermChange = z.object({
  term: ApprovalTerm,
  from: z.string().meta({ description: 'As the policy writes it: "1", "approver", "1h", "none"', example: '1' }),
  to: z.string().meta({ example: '2' }),
  direction: z
    .enum(['stricter', 'looser'])
    .nullable()
    .meta({ description: 'Whether it takes more or less to get the action through; null where that depends (a deadline, another group, an escalation)' }),
});
const Transition = z.object({ from: Decision, to: Decision, count: z.number().int(), amount: Amount, amounts: Amounts });
const TierShift = z.object({ from: RiskTier, to: RiskTier, count: z.number().int() });
const ApprovalTotal = z.object({ count: z.number().int(), amount: Amount, amounts: Amounts });
const Approvals = z.object({
  newlyAsked: ApprovalTotal.meta({ description: 'The candidate asks for an approval the live policy did not' }),
  noLongerAsked: ApprovalTotal.meta({ description: 'The live policy asked for an approval the candidate would not (allowed or denied outright)' }),
  stricter: ApprovalTotal.meta({
    description:
      'Both ask for an approval; the candidate takes more to get the action through (a higher quorum or role, an approver group, one deny ending it, no approving at the deadline)',
  }),
  looser: ApprovalTotal.meta({ description: 'Both ask for an approval; the candidate takes less' }),
  otherChanges: ApprovalTotal.meta({
    description: 'Both ask on different terms, neither stricter nor looser as a whole: only the deadline, escalation or another group, or some terms each way',
  }),
});
const ApprovalShift = ApprovalTermChange.omit({ direction: true })
  .extend({ count: z.number().int(), amount: Amount, amounts: Amounts })
  .meta({ description: 'Actions asked for an approval by both whose approval changes this term (an action counts under each term it changes)' });
const UnknownRead = z.object({ policy: z.enum(['live', 'candidate']), ruleId: z.string(), fields: z.array(z.string()) });

export const BacktestBody = BacktestInput.meta({
  id: 'PolicyBacktestBody',
  description: 'A candidate policy (YAML or JSON text, as a policy file) and a window: `since` is a duration back from now ("30d") or a date',
});

export const BacktestReportView = z
  .object({
    window: z.object({ since: Timestamp, until: Timestamp }),
    live: z.object({ version: z.string(), source: z.string() }),
    candidate: z.object({ version: z.string(), source: z.string() }),
    evaluated: z.number().int(),
    same: z.number().int(),
    changed: z.number().int(),
    uncertain: z.number().int().meta({ description: 'Answers that depend on a rule over a field the record lacks (redacted, or signals not recorded): not guessed' }),
    skipped: z.number().int().meta({ description: 'Unknown tools (denied whatever the policy) and actions whose agent is gone' }),
    classifiedByOtherVersions: z.number().int(),
    transitions: z.array(Transition),
    tierShifts: z.array(TierShift),
    approvals: Approvals,
    approvalShifts: z.array(ApprovalShift),
    unknownReads: z.array(UnknownRead.extend({ actions: z.number().int(), uncertain: z.number().int() })),
    rows: z.array(
      z.object({
        actionId: z.string(),
        createdAt: Timestamp,
        tool: z.string(),
        agentId: z.string(),
        costEstimate: z.string().nullable(),
        currency: z.string().nullable().meta({ description: 'The estimate’s currency: as reserved then, else the built-in tool’s own; null when neither says' }),
        recorded: Decision.nullable().meta({ description: 'What admission decided then (after guardrails, budgets, rate limits, standing approvals)' }),
        status: z.enum(['changed', 'uncertain']),
        live: Verdict,
        candidate: Verdict,
        unknownReads: z.array(UnknownRead),
        approvalTerms: z.array(ApprovalTermChange).meta({ description: 'Where both ask for an approval: the terms that differ' }),
      }),
    ),
    truncated: z.boolean(),
  })
  .meta({ id: 'PolicyBacktestReport', description: 'The live policy and the candidate on the recorded actions of the window (the policy’s own decision; records nothing)' });

export const SetShadowBody = SetShadowPolicyInput.meta({ id: 'SetShadowPolicyBody', description: 'The candidate policy text and where it came from' });

export const ShadowPolicyView = z.object({ version: z.string(), source: z.string(), text: z.string(), setBy: z.string(), setAt: Timestamp }).meta({ id: 'ShadowPolicy' });
export const ShadowCleared = z
  .object({ cleared: z.string().nullable().meta({ description: 'The version taken out of shadow; null if none was set' }) })
  .meta({ id: 'ShadowCleared' });

export const ShadowSummaryView = z
  .object({
    shadow: z.object({ version: z.string(), source: z.string(), setBy: z.string(), setAt: Timestamp }).nullable(),
    version: z.string().nullable().meta({ description: 'The version summarised: the one in shadow, else the last one that recorded anything' }),
    admittedSince: z.number().int().nullable(),
    differences: z.number().int(),
    failures: z.number().int(),
    transitions: z.array(Transition),
    tierShifts: z.array(TierShift),
    approvals: Approvals,
    approvalShifts: z.array(ApprovalShift),
    recent: z.array(
      z.object({
        actionId: z.string(),
        tool: z.string(),
        agentId: z.string(),
        at: Timestamp,
        liveVersion: z.string().nullable(),
        live: Verdict.extend({ approval: Verdict.shape.approval.meta({ description: 'Also null on differences recorded before approvals were' }) }),
        shadow: Verdict.nullable(),
        error: z.string().nullable(),
        costEstimate: z.string().nullable(),
        currency: z.string().nullable(),
        approvalTerms: z.array(ApprovalTermChange),
      }),
    ),
  })
  .meta({
    id: 'ShadowSummary',
    description: 'Where the shadow candidate disagreed with the live policy at admission: decision, tier or the approval’s terms (agreement is not recorded)',
  });
