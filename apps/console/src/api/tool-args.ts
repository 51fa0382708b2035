import { demoToolSpecs, PLAN_TOOL, PlanArgs, type ToolSpec } from '@airlock/core';
import { isShippedTool } from '@airlock/policy/shipped-tools';
import { parseOr400 } from './request.js';

const specsByName = new Map<string, ToolSpec>(demoToolSpecs.map((spec) => [spec.name, spec]));

/** Whether the tool is one Airlock ships (the demo pack or a built-in tool): a worker may run it. */
export const isKnownTool = isShippedTool;

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
