import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ActionOutcome } from './action.js';
import type { AgentReport, RunClaim, RunClaimed } from './agent-run.js';
import type { ApprovalDecision, DecideResult } from './decision.js';
import type { CompensationResolution } from './plan.js';
import type { ActionStatusView } from './status.js';

// Workflow code imports this module (through `@airlock/core/workflow`), so it holds no
// runtime import but @temporalio/workflow's: no zod, no schemas. In the SDK's reusable V8
// context every cached workflow evaluates its own copy of each module the workflow code
// loads, so a schema built at module level costs memory once per cached workflow.

/** Defined once here; workflows handle them and clients import them, never string names. */
export const decideUpdate = defineUpdate<DecideResult, [ApprovalDecision]>('decide');
export const statusQuery = defineQuery<ActionStatusView>('status');
/** Answers a plan's failed compensation: retry it, or record that a person fixed it by hand. */
export const resolveCompensationUpdate = defineUpdate<{ accepted: true }, [CompensationResolution]>('resolveCompensation');

/** Closes an `agentRun` workflow: the agent's report of how the authorized run went. */
export const reportUpdate = defineUpdate<ActionOutcome, [AgentReport]>('report');
/**
 * A runner of an `agentRun` claims the authorized run before starting the tool: the first runner's claim is
 * recorded (history and audit log) before it is answered; another runner's is refused. See RunClaimBody.
 */
export const claimRunUpdate = defineUpdate<RunClaimed, [RunClaim]>('claimRun');
/** The ApplicationFailure type of a claim refused because another runner claimed the run first. */
export const RUN_CLAIMED_ELSEWHERE = 'RunClaimedElsewhere';

export const GUARDED_ACTION_WORKFLOW = 'guardedAction';
export const DEFAULT_TASK_QUEUE = 'airlock';

export function workflowIdForAction(actionId: string): string {
  return `action-${actionId}`;
}

/** The idempotency key of an action's (single) tool run: admission's claim and every retry use it. */
export function runIdempotencyKey(actionId: string): string {
  return `${actionId}:run`;
}

/** The inverse of `workflowIdForAction`; undefined for a workflow that is not an action's. */
export function actionIdOfWorkflow(workflowId: string): string | undefined {
  return workflowId.startsWith('action-') ? workflowId.slice('action-'.length) : undefined;
}
