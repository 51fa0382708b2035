import type { Db } from '@airlock/db';
import { createAgentClaimActivities } from './agent-claim.js';
import { createAgentRunActivities } from './agent-run.js';
import { createApprovalActivities } from './approval.js';
import { createCompensationActivities } from './compensation.js';
import { createCompletionActivities } from './completion.js';
import type { ActivityDeps, PolicySource } from './deps.js';
import { createExecutionActivities } from './execution.js';
import { createFastPath } from './fast-path.js';
import { createRecheckActivities } from './recheck.js';
import { demoTools } from './demo-tools.js';
import { createToolRegistry, type ToolDefinition } from './tool-contract.js';

/** Every activity, built from injected deps (admission runs inside `admitAndRun`). Workflows see only `typeof` this. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createFastPath(deps),
    ...createApprovalActivities(deps),
    ...createRecheckActivities(deps),
    ...createExecutionActivities(deps),
    ...createCompensationActivities(deps),
    ...createCompletionActivities(deps),
    ...createAgentRunActivities(deps),
    ...createAgentClaimActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** The production wiring: the demo tool pack (plus any extra tools) under the given policy. */
export function defaultActivityDeps(db: Db, policy: PolicySource, extraTools: readonly ToolDefinition[] = []): ActivityDeps {
  return { db, tools: createToolRegistry([...demoTools, ...extraTools]), policy };
}

export type { ActivityDeps, PolicySource } from './deps.js';
export { shadowPolicyFromDb, SHADOW_REFRESH_MS, type ShadowPolicySource } from './shadow.js';
export { KILL_POINTS, isKillPoint, type KillPoint } from './kill-points.js';
export type { Admission } from './admission.js';
export type { AdmitAndRunAnswer, FastPathRun, LegacyFastPathRun } from './fast-path.js';
export type { BudgetHold, RunCompletion } from './completion.js';
export type { OpenApprovalInput, OpenedApproval, OpenedRound, ApprovalClosure, DecisionRecord, RoundClosure, EditReview } from './approval.js';
export type { SettledRound } from './settled-round.js';
export type { ApproverSet } from './approvers.js';
export type { RunToolInput, ToolRun } from './execution.js';
export type { Recheck } from './recheck.js';
export type { CompensateStepInput } from './compensation.js';
export { defineTool, createToolRegistry, type ToolDefinition, type ToolContext, type ToolRegistry } from './tool-contract.js';
export { demoTools, echoTool, refundTool, failingTool, sleepTool } from './demo-tools.js';
