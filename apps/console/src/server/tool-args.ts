import { demoToolSpecs, type ToolSpec } from '@airlock/core';
import { parseOr400 } from './request.js';

const specsByName = new Map<string, ToolSpec>(demoToolSpecs.map((spec) => [spec.name, spec]));

/**
 * Checks a known tool's arguments at the edge, so the agent gets a 400 naming
 * the field (`args.amount`) instead of a denied action. Unknown tools pass: the
 * workflow denies and audits them, keeping one record of every attempt.
 */
export function checkToolArgs(tool: string, args: Record<string, unknown>): void {
  const spec = specsByName.get(tool);
  if (spec) parseOr400(spec.args, args, `arguments for ${tool}`, 'args');
}
