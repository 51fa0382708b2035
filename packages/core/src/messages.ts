import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApprovalDecision, DecideResult } from './decision.js';
import type { ActionStatusView } from './status.js';

/** Defined once here; workflows handle them and clients import them, never string names. */
export const decideUpdate = defineUpdate<DecideResult, [ApprovalDecision]>('decide');
export const statusQuery = defineQuery<ActionStatusView>('status');

export const GUARDED_ACTION_WORKFLOW = 'guardedAction';
export const DEFAULT_TASK_QUEUE = 'airlock';

export function workflowIdForAction(actionId: string): string {
  return `action-${actionId}`;
}
