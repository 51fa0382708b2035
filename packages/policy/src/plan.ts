import type { Classification } from '@airlock/core/action';
import { PlanArgs, type PlanStep } from '@airlock/core/plan';
import { maxTier, type RiskTier } from '@airlock/core/risk';
import type { z } from 'zod';
import type { CompiledPolicy } from './compile.js';
import { strictestApproval } from './approval-merge.js';

/** A plan classified: its steps in order, each with how its tool alone was classified, and the plan's own classification. */
export interface ClassifiedPlan<Step extends { classification: Classification }> {
  steps: { step: PlanStep; assessed: Step; reversible: boolean | undefined }[];
  classification: Classification;
}

export type PlanClassification<Step extends { classification: Classification }> = { ok: true; plan: ClassifiedPlan<Step> } | { ok: false; error: z.ZodError };

const decisionRank = { allow: 0, require_approval: 1, deny: 2 } as const;

/** How a plan's reasons name a step: `step 2 (payments.refund)`. */
const planStepLabel = (index: number, tool: string) => `step ${index + 1} (${tool})`;

/**
 * How a plan (`airlock.plan`) is classified, for admission and the policy dry-run
 * alike: its args parsed as PlanArgs, each step classified as that tool alone
 * (`assessStep`, the caller's own single-tool classification), and the plan
 * taking its strictest step's decision and its highest tier. `reversible` says
 * whether a step's tool has a compensation; when given, a multi-step plan lists
 * the steps a later failure cannot undo. Pure: nothing runs or is recorded.
 */
export function classifyPlan<Step extends { classification: Classification }>(
  policy: CompiledPolicy,
  args: Record<string, unknown>,
  assessStep: (step: PlanStep, index: number) => Step,
  reversible?: (tool: string) => boolean,
): PlanClassification<Step> {
  const parsed = PlanArgs.safeParse(args);
  if (!parsed.success) return { ok: false, error: parsed.error };
  const steps = parsed.data.steps.map((step, index) => ({ step, assessed: assessStep(step, index), reversible: reversible?.(step.tool) }));
  // The strictest step decides; its approval requirement (the highest quorum among equals) covers the plan.
  const strictest = steps.reduce((best, current) => {
    const a = best.assessed.classification;
    const b = current.assessed.classification;
    const byDecision = decisionRank[b.decision] - decisionRank[a.decision];
    if (byDecision !== 0) return byDecision > 0 ? current : best;
    const quorum = (c: Classification) => (c.decision === 'require_approval' ? c.approval.requiredApprovals : 0);
    return quorum(b) > quorum(a) ? current : best;
  });
  const tier = steps.reduce<RiskTier>((t, s) => maxTier(t, s.assessed.classification.tier), 'low');
  const reasons = steps.flatMap(({ step, assessed }, index) => assessed.classification.reasons.map((r) => `${planStepLabel(index, step.tool)}: ${r}`));
  const classification: Classification = { ...strictest.assessed.classification, tier, reasons, policyVersion: policy.version };
  // One approval covers every step: it holds what each step's own approval asks (role, timeout, ...), not only the strictest's.
  if (classification.decision === 'require_approval') {
    const others = steps.flatMap(({ assessed: { classification: c } }) => (c.decision === 'require_approval' && c !== strictest.assessed.classification ? [c.approval] : []));
    classification.approval = strictestApproval(classification.approval, others);
  }
  const irreversible = steps.flatMap(({ step, reversible: canUndo }, index) => (canUndo === false ? [planStepLabel(index, step.tool)] : []));
  if (irreversible.length > 0 && steps.length > 1) classification.reasons.push(`no rollback for ${irreversible.join(', ')}: a later failure cannot undo them`);
  return { ok: true, plan: { steps, classification } };
}
