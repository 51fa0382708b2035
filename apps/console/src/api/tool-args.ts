import { demoToolSpecs, type ToolSpec } from '@airlock/core';
import { parseOr400 } from './request.js';

const specsByName = new Map<string, ToolSpec>(demoToolSpecs.map((spec) => [spec.name, spec]));

/** Whether the tool is one the workers register (the demo tool pack): the policy denies the rest. */
export function isKnownTool(tool: string): boolean {
  return specsByName.has(tool);
}

/**
 * Checks a known tool's arguments at the edge, so the caller gets a 400 naming
 * the field (`args.amount`, or `editedArgs.amount` for an approver's edit) instead
 * of a denied action. Unknown tools pass: the workflow denies and audits them,
 * keeping one record of every attempt.
 */
export function checkToolArgs(tool: string, args: Record<string, unknown>, field: 'args' | 'editedArgs' = 'args'): void {
  const spec = specsByName.get(tool);
  if (spec) parseOr400(spec.args, args, `${field === 'args' ? 'arguments' : 'edited arguments'} for ${tool}`, field);
}
