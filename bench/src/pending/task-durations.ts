import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { ms, type History } from '../profile/history.js';

/** Tasks longer than this keep their spans (a few hundred of 10,000 at most). */
export const SLOW_TASK_MS = 250;

export interface WorkflowTaskDurations {
  /** Histories read (every pending guarded workflow). */
  histories: number;
  tasks: number;
  /** Longest workflow task on the worker: started → completed (or failed / timed out), ms. */
  maxRunMs: number;
  /** Tasks that took longer than 1 s on the worker. */
  over1s: number;
  /** Spans on the worker (started, completed: epoch ms) of the tasks over SLOW_TASK_MS, to set beside the meter's own pauses. */
  slowSpans: { from: number; to: number }[];
  /** Longest wait of a workflow task for a worker: scheduled → started, ms (shown, not a target). */
  maxQueueMs: number;
}

/**
 * When a workflow began to wait (epoch ms): the first workflow task that completed
 * with no activity left pending, those it scheduled itself included. A bare workflow
 * waits after its first task, a guarded one after the task that took admission's answer.
 */
export function waitingSince(history: History): number {
  const events = history.events ?? [];
  const scheduledBy = new Map<string, number>();
  for (const e of events) {
    const by = e.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId;
    if (by !== undefined && by !== null) scheduledBy.set(String(by), (scheduledBy.get(String(by)) ?? 0) + 1);
  }
  let pending = 0;
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes) pending++;
    else if (e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes || e.activityTaskCanceledEventAttributes)
      pending--;
    else if (e.workflowTaskCompletedEventAttributes && pending + (scheduledBy.get(String(e.eventId)) ?? 0) === 0) return ms(e);
  }
  return Number.NaN;
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
      if (run > SLOW_TASK_MS) into.slowSpans.push({ from: started, to: ms(e) });
    }
  }
}

/** Reads every workflow's history (`concurrency` at a time) for the target "no workflow task over 1 s". */
export async function workflowTaskDurations(client: Client, workflowIds: readonly string[], concurrency = 16): Promise<WorkflowTaskDurations> {
  const result: WorkflowTaskDurations = { histories: 0, tasks: 0, maxRunMs: 0, over1s: 0, slowSpans: [], maxQueueMs: 0 };
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

/**
 * When the last of `ids` began to wait (epoch ms), read from their histories while
 * the worker still runs: a workflow whose first task has not completed yet is read again.
 */
export async function allWaitingAt(client: Client, ids: readonly string[], deadline: number): Promise<number> {
  let left = [...ids];
  let last = 0;
  while (left.length > 0 && Date.now() < deadline) {
    const notYet: string[] = [];
    let next = 0;
    const reader = async () => {
      while (next < left.length) {
        const id = left[next++]!;
        const since = waitingSince(await client.workflow.getHandle(id).fetchHistory());
        if (Number.isNaN(since)) notYet.push(id);
        else last = Math.max(last, since);
      }
    };
    await Promise.all(Array.from({ length: 16 }, reader));
    left = notYet;
    if (left.length > 0) await sleep(1_000);
  }
  return left.length > 0 ? Number.NaN : last;
}
