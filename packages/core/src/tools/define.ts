import type { z } from 'zod';
import type { ApprovalRequirement } from '../action.js';
import type { RiskTier } from '../risk.js';

export interface RiskAssessment {
  tier: RiskTier;
  reasons: string[];
  /** Overrides the tier's default approval requirement. */
  approval?: Partial<ApprovalRequirement>;
}

/**
 * The pure half of a tool: its name, argument schema and first-pass risk rules.
 * Safe everywhere (REST validation, workflows); the executor lives in `activities/`.
 */
export interface ToolSpec<Args extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  args: Args;
  risk: (args: z.infer<Args>) => RiskAssessment;
}

export function defineToolSpec<Args extends z.ZodType>(spec: ToolSpec<Args>): ToolSpec<Args> {
  return spec;
}
