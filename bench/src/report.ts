import type { Throughput } from './measure.js';
import type { CpuSample } from './profile/cpu.js';
import { PHASE_KEYS, type Phases } from './profile/history.js';
import type { ProfileReport, ProfileVariant } from './profile/index.js';
import { tallyOf, type QueryStats } from './profile/query-counter.js';
import type { BenchResults } from './results.js';
import { median, type Summary } from './stats.js';
import { f1, f2, ratio, table } from './table.js';
import { formatTargets } from './targets.js';

const latencyRow = (name: string, s: Summary) => [name, f2(s.p50), f2(s.p90), f2(s.p99), f2(s.mean), f2(s.min), f2(s.max)];
const LATENCY_HEADER = ['', 'p50', 'p90', 'p99', 'mean', 'min', 'max'];

function mainTables(r: BenchResults): string[] {
  const c = r.config;
  const tp = ({ workflowsPerSecond: xs }: Throughput) => [f1(median(xs)), f1(Math.min(...xs)), f1(Math.max(...xs)), xs.map(f1).join(' ')];
  const cpu = (c: CpuSample) => [f2(c.node), f2(c.temporal), f2(c.postgres), f2(c.machine)];
  const seq = r.sequential;
  return [
    `Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memory} RAM, Node ${r.machine.node}, ${r.machine.temporal}, ${r.machine.postgres}`,
    `Load average (1 min) at start / end: ${f2(r.machine.loadAverage.start)} / ${f2(r.machine.loadAverage.end)} (other work on the machine skews every figure)`,
    `Temporal dev server: ${r.temporalArgs.length ? r.temporalArgs.filter((a) => !a.startsWith('--')).join(' ') : 'stock settings (in-memory)'}`,
    '',
    `Sequential end-to-end latency, ms (start -> result; ${c.n} runs each after ${c.warmup} warm-up, interleaved A B / B A)`,
    table(LATENCY_HEADER, [
      latencyRow('bare Temporal (1 activity)', r.sequential.bare),
      latencyRow('Airlock guarded (demo.echo)', r.sequential.guarded),
      ['ratio guarded/bare', ratio(r.ratios.p50), ratio(seq.guarded.p90 / seq.bare.p90), ratio(r.ratios.p99), ratio(seq.guarded.mean / seq.bare.mean), '', ''],
      [
        'added ms (guarded - bare)',
        f2(seq.guarded.p50 - seq.bare.p50),
        f2(seq.guarded.p90 - seq.bare.p90),
        f2(seq.guarded.p99 - seq.bare.p99),
        f2(seq.guarded.mean - seq.bare.mean),
        '',
        '',
      ],
    ]),
    '',
    `Throughput, workflows/s (${c.batch} per batch, ${c.concurrency} in flight, ${c.rounds} batches each, alternating)`,
    table(
      ['', 'median', 'min', 'max', 'per batch'],
      [
        ['bare Temporal', ...tp(r.throughput.bare)],
        ['Airlock guarded', ...tp(r.throughput.guarded)],
        ['ratio guarded/bare', ratio(r.ratios.throughput), '', '', ''],
      ],
    ),
    "CPU per workflow during the batches, ms (node = this process: client + workers; temporal = this run's dev server; postgres = the scratch database's backends; machine = every process, other people's work included)",
    table(
      ['', 'node', 'temporal', 'postgres', 'machine'],
      [
        ['bare Temporal', ...cpu(r.throughput.bare.cpuMsPerRun)],
        ['Airlock guarded', ...cpu(r.throughput.guarded.cpuMsPerRun)],
      ],
    ),
    '',
    `Decision -> tool body starts, ms, by channel (${c.approvals} decisions each, one at a time, channels interleaved; tier 'high', one approver; from sending the request)`,
    table(
      LATENCY_HEADER,
      Object.values(r.decisions).map((d) => latencyRow(d.label, d.toToolStart)),
    ),
    'The same requests until their answer, ms (Slack answers 200 before it decides; the server action renders the page again)',
    table(
      LATENCY_HEADER,
      Object.values(r.decisions).map((d) => latencyRow(d.label, d.requestReturns)),
    ),
    '',
    formatTargets(r.targets),
  ];
}

const VARIANTS: [ProfileVariant, string][] = [
  ['bare', 'bare'],
  ['stub', 'guarded, stub acts'],
  ['guarded', 'guarded'],
];

const PHASE_LABEL: Record<(typeof PHASE_KEYS)[number], string> = {
  wftQueue: 'workflow task queue wait',
  wftRun: 'workflow task on worker (incl. local acts)',
  activityQueue: 'activity queue wait',
  activityRun: 'activity run',
  other: 'other server time',
  serverTotal: 'server total (history start -> completed)',
};

const split = (q: QueryStats) =>
  ['audit tx', 'state tx', 'autocommit']
    .map((src) => [src, tallyOf(q, `${src}:`)] as const)
    .filter(([, t]) => t.count > 0)
    .map(([src, t]) => `${src} ${f1(t.count)}`)
    .join(', ');

function profileTables(p: ProfileReport): string[] {
  const ph = (k: keyof Phases) => VARIANTS.map(([v]) => f2(p.phases[v][k]));
  const e2e = VARIANTS.map(([v]) => f2(p.e2e[v].mean));
  const client = VARIANTS.map(([v]) => f2(p.e2e[v].mean - p.phases[v].serverTotal));
  const kinds = Object.entries(p.queriesPerRun.byKind).sort((a, b) => b[1].ms - a[1].ms);
  return [
    `Profile: where the time goes (${p.runs} sequential runs each, interleaved; mean ms; server phases from history timestamps)`,
    table(
      ['', ...VARIANTS.map(([, label]) => label)],
      [
        ['client end-to-end (mean)', ...e2e],
        ['client end-to-end (p50)', ...VARIANTS.map(([v]) => f2(p.e2e[v].p50))],
        ...PHASE_KEYS.map((k) => [`  ${PHASE_LABEL[k]}`, ...ph(k)]),
        ['  client-side (start RPC + result delivery)', ...client],
        ['history events / workflow tasks / markers', ...VARIANTS.map(([v]) => `${f1(p.phases[v].events)}/${f1(p.phases[v].workflowTasks)}/${f1(p.phases[v].markers)}`)],
        ['history bytes (protobuf)', ...VARIANTS.map(([v]) => p.phases[v].bytes.toFixed(0))],
      ],
    ),
    '',
    `Database work per guarded run: ${f1(p.queriesPerRun.count)} round trips carrying ${f1(p.queriesPerRun.statements)} statements (${split(p.queriesPerRun)}), ${f2(p.queriesPerRun.ms)} ms summed client-observed latency`,
    table(
      ['round trip, by first statement (by transaction)', 'per run', 'statements per run', 'ms per run'],
      kinds.map(([k, t]) => [k, f1(t.count), f1(t.statements), f2(t.ms)]),
    ),
    '',
    `Each step called directly, outside Temporal (${p.runs} calls each), ms`,
    table(
      ['step', 'p50', 'p99', 'mean', 'round trips', 'statements', 'of which (round trips)'],
      p.steps.map((s) => [s.step, f2(s.ms.p50), f2(s.ms.p99), f2(s.ms.mean), f1(s.queries.count), f1(s.queries.statements), split(s.queries)]),
    ),
  ];
}

export function formatText(r: BenchResults): string {
  return [...mainTables(r), ...(r.profile ? ['', ...profileTables(r.profile)] : [])].join('\n');
}
