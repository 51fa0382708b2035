import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApprovalDecision, DecideResult } from './decision.js';
import type { CompensationResolution } from './plan.js';
import type { ActionStatusView } from './status.js';

/** Defined once here; workflows handle them and clients import them, never string names. */
export const decideUpdate = defineUpdate<DecideResult, [ApprovalDecision]>('decide');
export const statusQuery = defineQuery<ActionStatusView>('status');
/** Answers a plan's failed compensation: retry it, or record that a person fixed it by hand. */
export const resolveCompensationUpdate = defineUpdate<{ accepted: true }, [CompensationResolution]>('resolveCompensation');

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
