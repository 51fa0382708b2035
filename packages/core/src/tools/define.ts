import type { z } from 'zod';

/**
 * The pure half of a tool: its name, argument schema and cost estimate. Safe
 * everywhere (REST validation, workflows); risk comes from the policy files and
 * the executor lives in `activities/`.
 */
export interface ToolSpec<Args extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  args: Args;
  /** What a run is expected to cost, for budget reservations; absent = free. */
  cost?: (args: z.infer<Args>) => { amount: string; currency: string } | null;
}

export function defineToolSpec<Args extends z.ZodType>(spec: ToolSpec<Args>): ToolSpec<Args> {
  return spec;
}
