import { f1, table } from '../table.js';
import { formatTargets } from '../targets.js';
import type { PendingBenchResults } from './index.js';
import { DECISION_LEGS, type DecisionSplit } from './decision-split.js';
import { IDLE_GAP_MS, type Latency } from './latency.js';
import type { WorkerMemory } from './protocol.js';
import type { MachineWakeUp } from './wake-up.js';
import { kibPerCached } from './targets.js';

const ms = (s: Latency) => [f1(s.p50), f1(s.p90), f1(s.p99), f1(s.max), String(s.failed)];
/** The decision's legs, from its workflow's history (bench/src/pending/decision-split.ts). */
const LEG_LABELS: Record<(typeof DECISION_LEGS)[number], string> = {
  toTaskScheduled: 'sent -> update task scheduled',
  taskQueued: 'task waits for the worker',
  taskRun: 'task on the worker (replay, update)',
  toActivityStarted: 'task done -> tool activity started',
  toToolStarted: 'activity started -> tool.started row',
};
// `failed` here: decisions whose history did not show the path (not split).
const legRows = (prefix: string, whole: Latency, split: DecisionSplit) =>
  DECISION_LEGS.map((leg) => [`${prefix} ${LEG_LABELS[leg]}`, ...ms({ ...split[leg], failed: whole.n - split.split })]);
/** The machine's own slowdown after the quiet spell (wake-up.ts), to read the quiet decisions by. */
const wakeUpLine = (w: MachineWakeUp | undefined): string[] =>
  w
    ? [
        `this machine after ${w.gapMs / 1000} s quiet: a fixed CPU task (SHA-256 of 4 MiB) ${f1(w.afterQuietMs)} ms p50 of ${w.probes} against ${f1(w.warmMs)} back to back (${w.ratio.toFixed(2)}x)`,
      ]
    : [];
const mib = (n: number | undefined) => (n === undefined ? '-' : f1(n));

function memoryRow(label: string, m: WorkerMemory, temporalRss?: number): string[] {
  return [label, `${m.cachedWorkflows} / ${m.maxCachedWorkflows}`, mib(m.rssMiB), mib(m.heapUsedMiB), mib(m.heapTotalMiB), mib(m.externalMiB), mib(temporalRss)];
}

export function formatPendingBench(r: PendingBenchResults, server: string): string {
  const n = r.count;
  const memory = [
    memoryRow('idle worker', r.idle),
    ...r.growth.map((g) => memoryRow(`${g.waiting} waiting, default cache`, g.memory)),
    memoryRow(`${n} pending, default cache`, r.defaultCache.worker, r.defaultCache.temporalRssMiB),
  ];
  if (r.fullCache) memory.push(memoryRow(`${n} pending, all cached`, r.fullCache.worker, r.fullCache.temporalRssMiB));
  const latencyRows = (label: string, l: PendingBenchResults['defaultCache']['latency']) => [
    [`${label}: GET /approvals?limit=100`, ...ms(l.listFirstPage)],
    [`${label}: GET /approvals?limit=500`, ...ms(l.listLargestPage)],
    [`${label}: status query`, ...ms(l.statusQuery)],
    [`${label}: POST /decisions (approve)`, ...ms(l.decide)],
    [`${label}: POST /decisions -> tool.started row`, ...ms(l.decideToToolStart)],
    ...legRows(`${label}:  `, l.decideToToolStart, l.decisionSplit),
    ...(l.afterQuiet ? [[`${label}: POST /decisions -> tool.started, after ${IDLE_GAP_MS / 1000} s quiet`, ...ms(l.afterQuiet)]] : []),
    ...(l.afterQuiet && l.afterQuietSplit ? legRows(`${label}:   (quiet)`, l.afterQuiet, l.afterQuietSplit) : []),
  ];
  const latency = [...latencyRows('default cache', r.defaultCache.latency), ...(r.fullCache ? latencyRows('all cached', r.fullCache.latency) : [])];
  const cached = r.fullCache?.worker.cachedWorkflows ?? 0;
  const perWorkflowKiB = r.fullCache && cached > 0 ? ((r.fullCache.worker.rssMiB - r.idle.rssMiB) * 1024) / cached : undefined;
  const bareKiB = kibPerCached(r.bare.idle, r.bare.loaded);
  const guardedKiB = kibPerCached(r.idle, r.defaultCache.worker);
  const bareMainOnlyKiB = kibPerCached(r.bare.idle, r.bare.loaded, true);
  const guardedMainOnlyKiB = kibPerCached(r.idle, r.defaultCache.worker, true);
  const perWorkflow = [
    [
      'bare: waits for one Update',
      String(r.bare.count),
      `${r.bare.loaded.cachedWorkflows} / ${r.bare.loaded.maxCachedWorkflows}`,
      mib(r.bare.idle.rssMiB),
      mib(r.bare.loaded.rssMiB),
      f1(bareKiB),
      '1.00x',
      f1(bareMainOnlyKiB),
      '1.00x',
    ],
    [
      'guarded: refund waiting for a person',
      String(n),
      `${r.defaultCache.worker.cachedWorkflows} / ${r.defaultCache.worker.maxCachedWorkflows}`,
      mib(r.idle.rssMiB),
      mib(r.defaultCache.worker.rssMiB),
      f1(guardedKiB),
      `${(guardedKiB / bareKiB).toFixed(2)}x`,
      f1(guardedMainOnlyKiB),
      `${(guardedMainOnlyKiB / bareMainOnlyKiB).toFixed(2)}x`,
    ],
  ];
  return [
    `## ${n} pending approvals, ${server} (real guardedAction workflows, ${r.agents} agents, one worker process)`,
    '',
    `bare start calls: ${f1(r.bare.startSeconds)} s (${f1(r.bare.startsPerSecond)}/s); every bare workflow waiting (first workflow task completed) after ${f1(r.bare.allWaitingSeconds)} s (${f1(r.bare.waitingPerSecond)}/s)`,
    `start calls: ${f1(r.load.startSeconds)} s (${f1(r.load.startsPerSecond)}/s); every approval row open after ${f1(r.load.allPendingSeconds)} s, every workflow waiting after ${f1(r.load.workflowsWaitingSeconds)} s (${f1(r.load.pendingPerSecond)} admitted/s)`,
    `admitted / bare, like for like (both until every workflow waits): ${(r.load.pendingPerSecond / r.bare.waitingPerSecond).toFixed(2)}x; the target compares with bare start calls`,
    ...(r.fullCache
      ? [
          `replaying into a fresh worker whose cache holds all (status query each, 16 at a time): ${r.fullCache.replayed} of ${n} in ${f1(r.fullCache.replaySeconds)} s (${f1(r.fullCache.replayedPerSecond)}/s), ${r.fullCache.failedAttempts} failed attempts${r.fullCache.lastError ? ` (last: ${r.fullCache.lastError})` : ''}`,
        ]
      : []),
    `database after the run: ${f1(r.databaseMiB)} MiB`,
    '',
    table(
      ['RSS per cached workflow, same run', 'waiting', 'cached / cache size', 'idle RSS MiB', 'RSS MiB', 'KiB per cached', 'ratio', 'main-thread GC only: KiB', 'ratio'],
      perWorkflow,
    ),
    "(RSS after a GC of the main thread and of the workflow threads; the last two columns before the workflow threads' GC)",
    '',
    table(['worker memory (after GC), MiB', 'cached / cache size', 'RSS', 'heap used', 'heap total', 'external', 'Temporal RSS'], memory),
    ...(perWorkflowKiB !== undefined ? ['', `RSS above the idle worker per cached pending workflow (all cached): about ${f1(perWorkflowKiB)} KiB`] : []),
    '',
    table(['latency with the rest pending, ms', 'p50', 'p90', 'p99', 'max', 'failed'], latency),
    ...wakeUpLine(r.defaultCache.latency.machineWakeUp),
    `workflow tasks of the ${r.workflowTasks.histories} pending workflows: ${r.workflowTasks.tasks}, longest on the worker ${f1(r.workflowTasks.maxRunMs)} ms, longest wait for a worker ${f1(r.workflowTasks.maxQueueMs)} ms`,
    '',
    formatTargets(r.targets),
  ].join('\n');
}
