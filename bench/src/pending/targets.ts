import { decisionTargets, type TargetCheck } from '../targets.js';
import type { PendingBenchResults } from './index.js';
import type { WorkerMemory } from './protocol.js';
import { SLOW_TASK_MS } from './task-durations.js';

export const PENDING_TARGETS = { memoryRatio: 2, pending: 10_000, rssMiB: 1024, admissionRatio: 0.8, workflowTaskMs: 1000 } as const;

/**
 * RSS above the idle worker per cached workflow, KiB: after a GC of every thread, or
 * (`mainThreadGcOnly`) as the meter read until 4 Dec 2026, the workflow threads' garbage included.
 */
export const kibPerCached = (idle: WorkerMemory, loaded: WorkerMemory, mainThreadGcOnly = false): number => {
  const rss = (m: WorkerMemory) => (mainThreadGcOnly ? m.rssMainThreadGcOnlyMiB : m.rssMiB);
  return loaded.cachedWorkflows > 0 ? ((rss(loaded) - rss(idle)) * 1024) / loaded.cachedWorkflows : Number.NaN;
};

type Span = { from: number; to: number };

/** The spans that overlap none of the meter's readings: the readings' forced GCs of every thread stall the tasks they meet. */
export function clearOfReadings(spans: readonly Span[], readings: readonly Span[]): Span[] {
  return spans.filter((span) => !readings.some((reading) => span.from <= reading.to && reading.from <= span.to));
}

/** Issue 14's targets for pending approvals, from one pending run. */
export function pendingTargets(r: Omit<PendingBenchResults, 'targets'>): TargetCheck[] {
  const t = PENDING_TARGETS;
  const memoryRatio = kibPerCached(r.idle, r.defaultCache.worker) / kibPerCached(r.bare.idle, r.bare.loaded);
  const mainOnlyRatio = kibPerCached(r.idle, r.defaultCache.worker, true) / kibPerCached(r.bare.idle, r.bare.loaded, true);
  const rss = r.defaultCache.worker.rssMiB;
  const admissionRatio = r.load.pendingPerSecond / r.bare.startsPerSecond;
  const tasks = r.workflowTasks;
  // The meter's readings during admission (a forced GC of every thread) stall the tasks they meet: not the worker's doing.
  const clear = clearOfReadings(tasks.slowSpans, r.growth).map((span) => span.to - span.from);
  const clearOver1s = clear.filter((ms) => ms > t.workflowTaskMs).length;
  const longestClear = clear.length > 0 ? `${Math.max(...clear).toFixed(0)} ms` : `under ${SLOW_TASK_MS} ms`;
  return [
    {
      target: 'memory per cached workflow, guarded / bare',
      measured: `${memoryRatio.toFixed(2)}x`,
      goal: `<= ${t.memoryRatio.toFixed(2)}x`,
      met: memoryRatio <= t.memoryRatio,
      note: `${mainOnlyRatio.toFixed(2)}x with the workflow threads' garbage left in`,
    },
    {
      target: `worker RSS with ${t.pending.toLocaleString('en')} pending`,
      measured: `${rss.toFixed(0)} MiB`,
      goal: `< ${t.rssMiB} MiB`,
      ...(r.count >= t.pending ? { met: rss < t.rssMiB } : { met: null, note: `only ${r.count} pending in this run` }),
    },
    {
      target: 'admission rate / bare start rate',
      measured: `${admissionRatio.toFixed(2)}x (${r.load.pendingPerSecond.toFixed(1)} vs ${r.bare.startsPerSecond.toFixed(1)}/s)`,
      goal: `>= ${t.admissionRatio.toFixed(2)}x`,
      met: admissionRatio >= t.admissionRatio,
      // The target compares with bare start calls; until every bare workflow waits is the like-for-like figure.
      note: `${(r.load.pendingPerSecond / r.bare.waitingPerSecond).toFixed(2)}x of bare until all wait (${r.bare.waitingPerSecond.toFixed(1)}/s)`,
    },
    {
      target: 'longest workflow task on the worker',
      measured: `${tasks.maxRunMs.toFixed(0)} ms (${tasks.over1s} of ${tasks.tasks} over 1 s)`,
      goal: `<= ${t.workflowTaskMs} ms`,
      met: tasks.histories > 0 ? clearOver1s === 0 : null,
      // Counted without the tasks that ran while the meter read the worker.
      note: `away from the meter's readings (forced GCs of every thread): longest ${longestClear}, ${clearOver1s} over 1 s`,
    },
    ...decisionTargets('REST handler, pending', r.defaultCache.latency.decideToToolStart),
  ];
}
