import { z } from 'zod';
import { defineToolSpec } from './tools/define.js';

/** The pseudo-tool name of a multi-step plan: one approval covers every step. */
export const PLAN_TOOL = 'airlock.plan';

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

export type PlanStepStatus =
  | 'pending'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'compensating'
  | 'compensated'
  | 'irreversible'
  | 'compensation_failed';

/** A plan as approvers and agents see it: each step's classification and its rollback. */
export interface PlanStepView {
  tool: string;
  description?: string;
  decision: 'allow' | 'require_approval' | 'deny';
  tier: string;
  /** Whether the step has a compensation; irreversible steps are flagged before anyone approves. */
  reversible: boolean;
  status: PlanStepStatus;
}

/** A human's answer when a compensation keeps failing. */
export const CompensationResolution = z.object({
  approverId: z.string().min(1),
  step: z.number().int().min(0),
  resolution: z.enum(['retry', 'resolved_manually']),
  comment: z.string().max(2000).optional(),
});
export type CompensationResolution = z.infer<typeof CompensationResolution>;
