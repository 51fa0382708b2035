import type { Client } from '@temporalio/client';
import { ms, type History } from '../profile/history.js';

export interface WorkflowTaskDurations {
  /** Histories read (every pending guarded workflow). */
  histories: number;
  tasks: number;
  /** Longest workflow task on the worker: started → completed (or failed / timed out), ms. */
  maxRunMs: number;
  /** Tasks that took longer than 1 s on the worker. */
  over1s: number;
  /** Longest wait of a workflow task for a worker: scheduled → started, ms (shown, not a target). */
  maxQueueMs: number;
}

function scan(history: History, into: WorkflowTaskDurations): void {
  let scheduled = Number.NaN;
  let started = Number.NaN;
  for (const e of history.events ?? []) {
    if (e.workflowTaskScheduledEventAttributes) scheduled = ms(e);
    else if (e.workflowTaskStartedEventAttributes) {
      started = ms(e);
      into.maxQueueMs = Math.max(into.maxQueueMs, started - scheduled);
    } else if (e.workflowTaskCompletedEventAttributes || e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes) {
      const run = ms(e) - started;
      into.tasks++;
      into.maxRunMs = Math.max(into.maxRunMs, run);
      if (run > 1000) into.over1s++;
    }
  }
}

/** Reads every workflow's history (`concurrency` at a time) for the target "no workflow task over 1 s". */
export async function workflowTaskDurations(client: Client, workflowIds: readonly string[], concurrency = 16): Promise<WorkflowTaskDurations> {
  const result: WorkflowTaskDurations = { histories: 0, tasks: 0, maxRunMs: 0, over1s: 0, maxQueueMs: 0 };
  let next = 0;
  const reader = async () => {
    while (next < workflowIds.length) {
      scan(await client.workflow.getHandle(workflowIds[next++]!).fetchHistory(), result);
      result.histories++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, reader));
  return result;
}
