import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { summarize, type Summary } from '../stats.js';
import { f2, table } from '../table.js';

// Splits each decision's workflow task on the worker by the timeline BENCH_CORE_LOG writes: SDK
// Core's own debug lines and the SDK's trace lines (core-log.ts), both stamped to the microsecond
// on the wall clock. A decision is an activation with a DoUpdate job; it replayed the workflow
// first when an InitializeWorkflow activation went to the same run after its last completed task.
//
//   npx tsx bench/src/pending/core-timeline.ts <the benchmark's stderr>

/** One timestamped line of the log: Core's or the SDK's (`JS`), with the run it names. */
interface LogLine {
  ms: number;
  text: string;
  runId: string | undefined;
}

const STAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})Z (.*)$/;
const RUN_ID = /run_id[=:] ?"?([0-9a-f-]{36})/;

export function parseTimeline(log: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const raw of log.split('\n')) {
    const m = STAMPED.exec(stripVTControlCharacters(raw));
    if (!m) continue;
    const ms = Date.parse(`${m[1]}Z`) + Number(m[2]) / 1000;
    lines.push({ ms, text: m[3]!, runId: RUN_ID.exec(m[3]!)?.[1] });
  }
  return lines;
}

/** What one decision's task spent where, ms; a phase the log lacks is left out. */
export type DecisionPhases = Partial<Record<Phase, number>> & { replayed: boolean };

export const PHASES = [
  'fetch history (not cached)',
  'activation 1: start (replay)',
  'activation 2: admission (replay)',
  'activation 3: the update',
  'Core between activations',
  'completion RPC (server)',
  'activity → SDK',
  'SDK → activity starts',
  'task on the worker (Core)',
] as const;
export type Phase = (typeof PHASES)[number];

/** One activation of `lines` (a run's): Core sends it, the SDK completes it, Core takes the completion. */
function activation(lines: LogLine[], sentIndex: number): { sent: number; taken: number } | undefined {
  const sent = lines[sentIndex]!.ms;
  const taken = lines.slice(sentIndex + 1).find((l) => l.text.includes('wf bridge iteration fetch'));
  return taken ? { sent, taken: taken.ms } : undefined;
}

/** The phases of the decision whose DoUpdate activation is `runLines[updateIndex]`; `runLines` are that run's lines only. */
export function decisionPhases(runLines: LogLine[], updateIndex: number): DecisionPhases {
  const lastBefore = (end: number, text: string) =>
    runLines
      .slice(0, end)
      .map((l) => l.text.includes(text))
      .lastIndexOf(true);
  // Replayed for this decision: the run was (re)started after its last completed task, within this one.
  const startIndex = lastBefore(updateIndex, 'jobs: InitializeWorkflow');
  const replayed = startIndex !== -1 && startIndex > lastBefore(updateIndex, 'Marking WFT completed');
  const initIndex = replayed ? startIndex : -1;
  const phases: DecisionPhases = { replayed };
  // The task began with the "New WFT" Core logged for it: for a replay, the one with the partial
  // history that made Core fetch the rest (a second "New WFT" follows the fetch).
  const partial = replayed ? lastBefore(initIndex, 'partial history') : -1;
  const taskStart = lastBefore(partial !== -1 ? partial : replayed ? initIndex : updateIndex, 'New WFT');
  if (partial !== -1 && taskStart !== -1) phases['fetch history (not cached)'] = runLines[initIndex]!.ms - runLines[taskStart]!.ms;
  const first = replayed ? initIndex : updateIndex;
  const activations = runLines
    .map((l, i) => (i >= first && i <= updateIndex && l.text.includes('Sending activation to lang') ? activation(runLines, i) : undefined))
    .filter((a) => a !== undefined);
  const names: Phase[] = replayed ? ['activation 1: start (replay)', 'activation 2: admission (replay)', 'activation 3: the update'] : ['activation 3: the update'];
  let between = 0;
  activations.forEach((a, i) => {
    if (names[i]) phases[names[i]] = a.taken - a.sent;
    const next = activations[i + 1];
    if (next) between += next.sent - a.taken;
  });
  if (replayed) phases['Core between activations'] = between;
  const after = runLines.slice(updateIndex);
  const from = (start: LogLine | undefined, text: string) => start && after.find((l) => l.ms >= start.ms && l.text.includes(text));
  const sending = from(after[0], 'Sending responses to server');
  const answered = from(sending, 'activity tasks received from WFT complete');
  const gotTask = from(answered, 'JS TRACE Got activity task');
  const starting = from(gotTask, 'JS TRACE Starting activity');
  const completed = from(after[0], 'Marking WFT completed');
  if (sending && answered) phases['completion RPC (server)'] = answered.ms - sending.ms;
  if (answered && gotTask) phases['activity → SDK'] = gotTask.ms - answered.ms;
  if (gotTask && starting) phases['SDK → activity starts'] = starting.ms - gotTask.ms;
  if (completed && taskStart !== -1) phases['task on the worker (Core)'] = completed.ms - runLines[taskStart]!.ms;
  return phases;
}

/** Every decision in the log: each run's lines, split at its DoUpdate activations. */
export function decisionsOf(lines: LogLine[]): DecisionPhases[] {
  const byRun = new Map<string, LogLine[]>();
  for (const line of lines) {
    if (!line.runId) continue;
    const run = byRun.get(line.runId);
    if (run) run.push(line);
    else byRun.set(line.runId, [line]);
  }
  const decisions: DecisionPhases[] = [];
  for (const runLines of byRun.values()) {
    runLines.forEach((l, i) => {
      if (l.text.includes('Sending activation to lang') && l.text.includes('jobs: DoUpdate')) decisions.push(decisionPhases(runLines, i));
    });
  }
  return decisions;
}

export function timelineReport(decisions: DecisionPhases[]): string {
  const rows: string[][] = [];
  for (const replayed of [true, false]) {
    const group = decisions.filter((d) => d.replayed === replayed);
    for (const phase of PHASES) {
      const values = group.map((d) => d[phase]).filter((v): v is number => v !== undefined);
      if (values.length === 0) continue;
      const s: Summary = summarize(values);
      rows.push([`${replayed ? 'replayed' : 'cached'}: ${phase}`, String(s.n), f2(s.p50), f2(s.p90), f2(s.max)]);
    }
  }
  return table(['decision task, ms', 'n', 'p50', 'p90', 'max'], rows);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npx tsx bench/src/pending/core-timeline.ts <stderr of a pending run with BENCH_CORE_LOG=1>');
    process.exit(2);
  }
  const decisions = decisionsOf(parseTimeline(readFileSync(file, 'utf8')));
  if (decisions.length === 0) {
    console.error(`${file}: no decision found (was the run made with BENCH_CORE_LOG=1?)`);
    process.exit(1);
  }
  console.log(timelineReport(decisions));
}
