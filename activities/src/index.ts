import { createCatalogClassifier } from '@airlock/core';
import type { Db } from '@airlock/db';
import { createAdmission } from './admission.js';
import { createApprovalActivities } from './approval.js';
import { createCompletionActivities } from './completion.js';
import type { ActivityDeps } from './deps.js';
import { createExecutionActivities } from './execution.js';
import { demoTools } from './tools/demo.js';
import { createToolRegistry, type ToolDefinition } from './tools/define.js';

/** Every activity, built from injected deps. Workflows see only `typeof` this. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createAdmission(deps),
    ...createApprovalActivities(deps),
    ...createExecutionActivities(deps),
    ...createCompletionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** The production wiring: the demo tool pack classified by its own per-tool rules. */
export function defaultActivityDeps(db: Db, extraTools: readonly ToolDefinition[] = []): ActivityDeps {
  const tools = createToolRegistry([...demoTools, ...extraTools]);
  return { db, tools, classifier: createCatalogClassifier(tools.specs()) };
}

export type { ActivityDeps } from './deps.js';
export type { OpenApprovalInput, OpenedApproval, ApprovalClosure } from './approval.js';
export type { RunToolInput } from './execution.js';
export { defineTool, createToolRegistry, type ToolDefinition, type ToolContext, type ToolRegistry } from './tools/define.js';
export { demoTools, echoTool, refundTool, failingTool } from './tools/demo.js';
