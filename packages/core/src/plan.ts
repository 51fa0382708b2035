import { z } from 'zod';
import { PLAN_TOOL } from './names.js';
import { storedText } from './stored-text.js';
import { defineToolSpec } from './tools/define.js';

export { PLAN_TOOL };

export const PlanStep = z
  .object({
    tool: z.string().min(1).max(128),
    args: z.record(z.string(), z.unknown()),
    description: z.string().max(500).optional(),
  })
  .strict();
export type PlanStep = z.infer<typeof PlanStep>;

export const PlanArgs = z.object({ steps: z.array(PlanStep).min(1).max(20) }).strict();
export type PlanArgs = z.infer<typeof PlanArgs>;

export const planSpec = defineToolSpec({
  name: PLAN_TOOL,
  description: 'Runs its steps in order; when one fails, completed steps are compensated in reverse order.',
  args: PlanArgs,
});

export const PlanStepStatus = z.enum(['pending', 'running', 'succeeded', 'failed', 'compensating', 'compensated', 'irreversible', 'compensation_failed']);
export type PlanStepStatus = z.infer<typeof PlanStepStatus>;

/** A plan as approvers and agents see it: each step's classification and its rollback. A schema because `action.classified` rows carry it. */
export const PlanStepView = z.object({
  tool: z.string(),
  description: z.string().optional(),
  decision: z.enum(['allow', 'require_approval', 'deny']),
  tier: z.string(),
  /** Whether the step has a compensation; irreversible steps are flagged before anyone approves. */
  reversible: z.boolean(),
  status: PlanStepStatus,
});
export type PlanStepView = z.infer<typeof PlanStepView>;

/** A human's answer when a compensation keeps failing. The comment is audited: storable text, or its write would fail on every retry. */
export const CompensationResolution = z.object({
  approverId: z.string().min(1),
  step: z.number().int().min(0),
  resolution: z.enum(['retry', 'resolved_manually']),
  comment: storedText(2000).optional(),
});
export type CompensationResolution = z.infer<typeof CompensationResolution>;
