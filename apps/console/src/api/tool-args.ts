import { builtinToolSpecs, demoToolSpecs, PLAN_TOOL, PlanArgs, type ToolSpec } from '@airlock/core';
import type { AssessedTools } from '@airlock/policy/assessment';
import { parseOr400 } from './request.js';

const specsByName = new Map<string, ToolSpec>(demoToolSpecs.map((spec) => [spec.name, spec]));

/**
 * The tools Airlock ships: the demo tool pack every worker registers, and the built-in tools
 * (shell.exec, http.request, sql.query, fs.write, fs.delete) a worker registers when its tools
 * config enables them. What the policy dry-run classifies a worker-run request against, as
 * admission classifies it against its worker's registry. A tools module's own tools, and a
 * gate-only (agent-run) action's tool, are not among them.
 */
const shippedByName = new Map<string, ToolSpec>([...demoToolSpecs, ...builtinToolSpecs].map((spec) => [spec.name, spec]));

export const shippedTools: AssessedTools = { get: (name) => shippedByName.get(name) };

/** Whether the tool is one Airlock ships (the demo pack or a built-in tool): a worker may run it. */
export function isKnownTool(tool: string): boolean {
  return shippedByName.has(tool);
}

/**
 * Checks a known tool's arguments at the edge, so the caller gets a 400 naming
 * the field (`args.amount`) instead of a denied action (an approver's edit is
 * checked by the decision use case, `checkEditedArgs`). A plan is checked as a
 * plan (1 to 20 steps, each a tool and its args) and each step's args against
 * its tool (`args.steps.0.args.message`), as the SDK and the Python client do
 * before sending. Unknown tools pass: the workflow denies and audits them,
 * keeping one record of every attempt. (Built-in tools pass too: a worker may not
 * register them, and admission then denies them as unknown.)
 */
export function checkToolArgs(tool: string, args: Record<string, unknown>): void {
  if (tool === PLAN_TOOL) {
    const plan = parseOr400(PlanArgs, args, `arguments for ${tool}`, 'args');
    plan.steps.forEach((step, index) => checkKnownTool(step.tool, step.args, `step ${index + 1} (${step.tool})`, `args.steps.${index}.args`));
    return;
  }
  checkKnownTool(tool, args, tool, 'args');
}

function checkKnownTool(tool: string, args: Record<string, unknown>, what: string, root: string): void {
  const spec = specsByName.get(tool);
  if (spec) parseOr400(spec.args, args, `arguments for ${what}`, root);
}
