import { ms, type History } from '../profile/history.js';
import { summarize, type Summary } from '../stats.js';

/** One decision's way from the approver's call to the tool's `tool.started` row, ms (history timestamps, same clock). */
export interface DecisionLeg {
  /** The call sent → the server schedules the workflow task that takes the update (the handler's reads, the RPC). */
  toTaskScheduled: number;
  /** That task waiting for the worker. */
  taskQueued: number;
  /** That task on the worker: the replay of an evicted workflow, the update's validator and handler. */
  taskRun: number;
  /** Task completed → the tool's activity started (eager dispatch on the headline server). */
  toActivityStarted: number;
  /** Activity started → its `tool.started` row (the run's first transaction: the decision, the round's closing, the row). */
  toToolStarted: number;
}

export const DECISION_LEGS = ['toTaskScheduled', 'taskQueued', 'taskRun', 'toActivityStarted', 'toToolStarted'] as const satisfies readonly (keyof DecisionLeg)[];

/**
 * Splits one decision by the decided workflow's history: the first workflow task
 * scheduled at or after the call was sent is the one that took the update, and the
 * first activity started after it the tool's run. Undefined when the history does not
 * show that path (a decision refused, or a task that failed and was retried).
 */
export function decisionLeg(history: History, sentAt: number, toolStartedAt: number): DecisionLeg | undefined {
  const events = history.events ?? [];
  // History times carry microseconds, the call's a whole millisecond: allow it.
  const scheduledAt = events.findIndex((e) => e.workflowTaskScheduledEventAttributes && ms(e) >= sentAt - 1);
  if (scheduledAt < 0) return undefined;
  const started = events[scheduledAt + 1];
  const completed = events[scheduledAt + 2];
  if (!started?.workflowTaskStartedEventAttributes || !completed?.workflowTaskCompletedEventAttributes) return undefined;
  const activity = events.slice(scheduledAt + 3).find((e) => e.activityTaskStartedEventAttributes);
  if (!activity) return undefined;
  return {
    toTaskScheduled: ms(events[scheduledAt]!) - sentAt,
    taskQueued: ms(started) - ms(events[scheduledAt]!),
    taskRun: ms(completed) - ms(started),
    toActivityStarted: ms(activity) - ms(completed),
    toToolStarted: toolStartedAt - ms(activity),
  };
}

export type DecisionSplit = Record<(typeof DECISION_LEGS)[number], Summary> & { split: number };

/** Each leg's distribution over the decisions whose history showed the path. */
export function splitDecisions(legs: readonly (DecisionLeg | undefined)[]): DecisionSplit {
  const shown = legs.filter((leg): leg is DecisionLeg => leg !== undefined);
  const byLeg = Object.fromEntries(DECISION_LEGS.map((key) => [key, summarize(shown.map((leg) => leg[key]))])) as Record<(typeof DECISION_LEGS)[number], Summary>;
  return { ...byLeg, split: shown.length };
}
