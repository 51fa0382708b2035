import { builtinToolSpecs, demoToolSpecs, PLAN_TOOL, type ToolSpec } from '@airlock/core';
import type { AssessedTools } from './assessment.js';
import { toolMatcher } from './compile.js';

// What the policy dry-run (REST, console) and `airlock policy test` (CLI) classify against in place of a
// worker's registry, so both answer as admission would, and as each other.

/**
 * The tools Airlock ships: the demo tool pack every worker registers, and the built-in tools
 * (shell.exec, http.request, sql.query, fs.write, fs.delete) a worker registers when its tools
 * config enables them. A tools module's own tools, and a gate-only (agent-run) action's tool, are
 * not among them.
 */
const shippedByName = new Map<string, ToolSpec>([...demoToolSpecs, ...builtinToolSpecs].map((spec) => [spec.name, spec]));

export const shippedTools: AssessedTools = { get: (name) => shippedByName.get(name) };

/** Whether the tool is one Airlock ships (the demo pack or a built-in tool): a worker may run it. */
export function isShippedTool(tool: string): boolean {
  return shippedByName.has(tool);
}

/** Sent to a worker (POST /actions) or gate-only, the agent running the tool (POST /authorizations). */
export type Execution = 'worker' | 'agent';

/**
 * How a request that does not say is classified: a tool no worker of Airlock's runs (neither a plan,
 * nor a demo or built-in tool) that the agent may call reaches admission only as a gate-only action
 * (a coding agent's claude_code.bash), so it is classified as one; anything else as sent to a worker,
 * where a tool no worker registers is denied as unknown. `allowedTools`: the named agent's, or
 * undefined when no agent is named.
 */
export function defaultExecution(tool: string, allowedTools: readonly string[] | undefined): Execution {
  if (tool === PLAN_TOOL || shippedByName.has(tool) || !allowedTools) return 'worker';
  return toolMatcher(allowedTools)(tool) ? 'agent' : 'worker';
}
