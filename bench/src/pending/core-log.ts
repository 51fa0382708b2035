import { performance } from 'node:perf_hooks';
import { DefaultLogger, type Logger, type RuntimeOptions } from '@temporalio/worker';

// BENCH_CORE_LOG=1 (or a log filter of Core's own, e.g. `WARN,temporalio_sdk_core=trace`): the pending
// part's worker processes write SDK Core's debug log and the SDK's own trace lines (activations,
// activity tasks) to stderr, each stamped to the microsecond on the wall clock: the timeline
// core-timeline.ts splits each decision's workflow task by. A diagnosis: the logging slows the worker.

const DEFAULT_FILTER = 'WARN,temporalio_sdk_core=debug';

/** The filter BENCH_CORE_LOG asks for, or undefined (off). */
export function coreLogFilter(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env.BENCH_CORE_LOG?.trim();
  if (!setting || setting === '0') return undefined;
  return setting === '1' ? DEFAULT_FILTER : setting;
}

/** `Date.toISOString` to the microsecond, as Core stamps its lines. */
function microsecondStamp(): string {
  const micros = Math.round((performance.timeOrigin + performance.now()) * 1000);
  return `${new Date(Math.floor(micros / 1000)).toISOString().slice(0, 23)}${String(micros % 1000).padStart(3, '0')}Z`;
}

/** The SDK's log lines, every level, one per line with the run they concern (activity tasks name it deeper down). */
function timelineLogger(): Logger {
  const line = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    const start = meta?.start as { workflowExecution?: { runId?: string } } | undefined;
    const runId = (meta?.runId ?? meta?.workflowRunId ?? start?.workflowExecution?.runId ?? '') as string;
    process.stderr.write(`${microsecondStamp()} JS ${level} ${message} run_id=${runId}\n`);
  };
  return { log: (level, message, meta) => line(level)(message, meta), trace: line('TRACE'), debug: line('DEBUG'), info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
}

/** Runtime options for a benchmark worker process: warnings only, or the timeline with BENCH_CORE_LOG. */
export function benchRuntimeOptions(env: NodeJS.ProcessEnv = process.env): RuntimeOptions {
  const filter = coreLogFilter(env);
  if (!filter) return { logger: new DefaultLogger('WARN'), shutdownSignals: [] };
  return { logger: timelineLogger(), shutdownSignals: [], telemetryOptions: { logging: { filter, console: {} } } };
}
