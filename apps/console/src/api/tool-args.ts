import { demoToolSpecs, type ToolSpec } from '@airlock/core';
import { parseOr400 } from './request.js';

const specsByName = new Map<string, ToolSpec>(demoToolSpecs.map((spec) => [spec.name, spec]));

/** Whether the tool is one the workers register (the demo tool pack): the policy denies the rest. */
export function isKnownTool(tool: string): boolean {
  return specsByName.has(tool);
}

/**
 * Checks a known tool's arguments at the edge, so the caller gets a 400 naming
 * the field (`args.amount`) instead of a denied action (an approver's edit is
 * checked by the decision use case, `checkEditedArgs`). Unknown tools pass: the workflow denies and audits them,
 * keeping one record of every attempt.
 */
export function checkToolArgs(tool: string, args: Record<string, unknown>): void {
  const spec = specsByName.get(tool);
  if (spec) parseOr400(spec.args, args, `arguments for ${tool}`, 'args');
}
