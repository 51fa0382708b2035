import type { Client, WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';

export type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

/** Server-side time of one workflow, split by who was doing what (from history event timestamps), ms. */
export interface Phases {
  /** Workflow tasks waiting to be picked up by a worker. */
  wftQueue: number;
  /** Workflow tasks on the worker (local activities run inside them). */
  wftRun: number;
  activityQueue: number;
  /** The normal activity, from started to completed. */
  activityRun: number;
  /** Start → completed on the server. */
  serverTotal: number;
  /** Anything not covered above (e.g. between a completion and the next task being scheduled). */
  other: number;
  workflowTasks: number;
  markers: number;
  events: number;
  /** The history's size as the server stores it (protobuf): payloads, memo, names; what the server encodes, writes and sends. */
  bytes: number;
}

export const PHASE_KEYS = ['wftQueue', 'wftRun', 'activityQueue', 'activityRun', 'other', 'serverTotal'] as const;

/** An event's server timestamp, ms since the epoch. */
export function ms(e: HistoryEvent): number {
  const t = e.eventTime;
  if (!t) return Number.NaN;
  const seconds = typeof t.seconds === 'number' ? t.seconds : (t.seconds?.toNumber() ?? 0);
  return seconds * 1000 + (t.nanos ?? 0) / 1e6;
}

export function phasesOf(history: History): Phases {
  const p: Phases = {
    wftQueue: 0,
    wftRun: 0,
    activityQueue: 0,
    activityRun: 0,
    serverTotal: 0,
    other: 0,
    workflowTasks: 0,
    markers: 0,
    events: 0,
    bytes: proto.temporal.api.history.v1.History.encode(history).finish().length,
  };
  const events = history.events ?? [];
  let wftScheduled = Number.NaN;
  let wftStarted = Number.NaN;
  let actScheduled = Number.NaN;
  let actStarted = Number.NaN;
  let first = Number.NaN;
  let last = Number.NaN;
  for (const e of events) {
    const t = ms(e);
    p.events++;
    if (e.workflowExecutionStartedEventAttributes) first = t;
    else if (e.workflowExecutionCompletedEventAttributes) last = t;
    else if (e.workflowTaskScheduledEventAttributes) wftScheduled = t;
    else if (e.workflowTaskStartedEventAttributes) {
      wftStarted = t;
      p.wftQueue += t - wftScheduled;
    } else if (e.workflowTaskCompletedEventAttributes) {
      p.wftRun += t - wftStarted;
      p.workflowTasks++;
    } else if (e.activityTaskScheduledEventAttributes) actScheduled = t;
    else if (e.activityTaskStartedEventAttributes) {
      actStarted = t;
      p.activityQueue += t - actScheduled;
    } else if (e.activityTaskCompletedEventAttributes) p.activityRun += t - actStarted;
    else if (e.markerRecordedEventAttributes) p.markers++;
  }
  p.serverTotal = last - first;
  p.other = p.serverTotal - p.wftQueue - p.wftRun - p.activityQueue - p.activityRun;
  return p;
}

/** Mean phases over the given workflows. */
export async function meanPhases(client: Client, workflowIds: readonly string[]): Promise<Phases> {
  const all = await Promise.all(workflowIds.map(async (id) => phasesOf(await client.workflow.getHandle(id).fetchHistory())));
  const mean = { ...all[0]! };
  for (const key of Object.keys(mean) as (keyof Phases)[]) mean[key] = all.reduce((a, p) => a + p[key], 0) / all.length;
  return mean;
}
