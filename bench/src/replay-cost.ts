import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { bundleWorkflows } from '@airlock/worker';
import type { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { summarize } from './stats.js';
import { f1, f2, table } from './table.js';

// What replaying one workflow costs the worker: a decision on a pending action that was
// evicted from the workflow cache replays its history first (bench/README.md, "10,000
// pending approvals"). Replays recorded histories (test/histories) through the real
// bundle and counts the calls into the workflow sandbox (node:vm) each replay makes.
//
// The SDK passes a `timeout` (isolateExecutionTimeout, its deadlock detector) on every
// call into the sandbox, and Node enforces it with a watchdog thread created and joined
// per call (nodejs/node#47739). The `no vm timeout` variant drops that option, for this
// measurement only, to show what the watchdog costs; Airlock's worker keeps it.
// The `stack traces on` variant replays through a bundle made with `stackTraces: true`
// (AIRLOCK_WORKFLOW_STACK_TRACES): the SDK's stack trace of every workflow promise, which
// the shipped bundle turns off (workflows/src/stack-traces-off.ts).
// Variants alternate in batches so load drift hits all alike.
//
//   npx tsx bench/src/replay-cost.ts [--histories=auto-approved-v7,approved-v7] [--replays=300] [--batch=50]

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const histories = arg('histories', 'auto-approved-v7,approved-v7').split(',');
const replays = Number(arg('replays', '300'));
const batch = Number(arg('batch', '50'));
const historiesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/histories');

const VARIANTS = ['as shipped', 'no vm timeout', 'stack traces on'] as const;
type Variant = (typeof VARIANTS)[number];

// One wrapper for the whole run: counts calls, and drops `timeout` while the variant asks for it.
let calls = 0;
let dropTimeout = false;
const { runInContext } = vm.Script.prototype as { runInContext: (this: vm.Script, context: vm.Context, options?: vm.RunningScriptOptions) => unknown };
vm.Script.prototype.runInContext = function (this: vm.Script, context: vm.Context, options?: vm.RunningScriptOptions): unknown {
  calls++;
  if (dropTimeout && options?.timeout !== undefined) {
    const { timeout: _dropped, ...rest } = options;
    return runInContext.call(this, context, rest);
  }
  return runInContext.call(this, context, options);
};

interface Tally {
  wallMs: number[];
  cpuMs: number;
  calls: number;
  replays: number;
}

async function replayBatch(workflowBundle: Awaited<ReturnType<typeof bundleWorkflows>>, history: temporal.api.history.v1.IHistory, count: number, tally: Tally) {
  async function* copies() {
    for (let i = 0; i < count; i++) yield { workflowId: `replay-${tally.replays + i}`, history };
  }
  const cpu0 = process.cpuUsage();
  const calls0 = calls;
  let last = performance.now();
  for await (const result of Worker.runReplayHistories({ workflowBundle }, copies())) {
    if (result.error) throw result.error;
    const now = performance.now();
    tally.wallMs.push(now - last);
    last = now;
  }
  const cpu = process.cpuUsage(cpu0);
  tally.cpuMs += (cpu.user + cpu.system) / 1000;
  tally.calls += calls - calls0;
  tally.replays += count;
}

Runtime.install({ logger: new DefaultLogger('WARN') });
const [shipped, withStackTraces] = await Promise.all([bundleWorkflows(), bundleWorkflows({ stackTraces: true })]);
const bundleOf = (variant: Variant) => (variant === 'stack traces on' ? withStackTraces : shipped);
const rows: string[][] = [];
for (const name of histories) {
  const history = JSON.parse(await readFile(path.join(historiesDir, `${name}.json`), 'utf8')) as temporal.api.history.v1.IHistory;
  const tallies = new Map<Variant, Tally>(VARIANTS.map((v) => [v, { wallMs: [], cpuMs: 0, calls: 0, replays: 0 }]));
  // A warm-up batch of each, not counted (the first replays compile the bundle's code).
  for (const variant of VARIANTS) {
    dropTimeout = variant === 'no vm timeout';
    await replayBatch(bundleOf(variant), history, Math.min(batch, 20), { wallMs: [], cpuMs: 0, calls: 0, replays: 0 });
  }
  for (let done = 0; done < replays; done += batch) {
    for (const variant of VARIANTS) {
      dropTimeout = variant === 'no vm timeout';
      await replayBatch(bundleOf(variant), history, Math.min(batch, replays - done), tallies.get(variant)!);
    }
  }
  dropTimeout = false;
  for (const variant of VARIANTS) {
    const t = tallies.get(variant)!;
    const wall = summarize(t.wallMs);
    rows.push([name, `${(history.events ?? []).length}`, variant, `${t.replays}`, f1(t.calls / t.replays), f2(wall.p50), f2(wall.p90), f2(wall.mean), f2(t.cpuMs / t.replays)]);
  }
}
console.log(`replaying recorded histories, 1-minute load average ${f1(os.loadavg()[0]!)}`);
console.log(table(['history', 'events', 'variant', 'replays', 'vm calls each', 'wall p50 ms', 'p90', 'mean', 'CPU ms each'], rows, [0, 2]));
