import type { ChannelTiming } from './approval.js';
import type { BenchConfig } from './config.js';
import type { MachineInfo } from './infra/machine.js';
import type { Throughput } from './measure.js';
import type { ProfileReport } from './profile/index.js';
import type { Summary } from './stats.js';
import { decisionTargets, type TargetCheck } from './targets.js';

export interface BenchResults {
  config: Omit<BenchConfig, 'pgUrl' | 'json'>;
  machine: MachineInfo;
  sequential: { bare: Summary; guarded: Summary };
  /** Temporal server flags beyond the stock dev server's. */
  temporalArgs: string[];
  throughput: { bare: Throughput; guarded: Throughput };
  /** guarded / bare (and guarded − bare for addedP50Ms): above 1 for latency and CPU, below 1 for throughput, mean Airlock costs more. */
  ratios: { p50: number; addedP50Ms: number; p99: number; throughput: number; nodeCpu: number };
  /** Decision → tool start per channel, keyed as DecisionChannel.key. */
  decisions: Record<string, ChannelTiming>;
  targets: TargetCheck[];
  profile?: ProfileReport;
}

export const OVERHEAD_TARGETS = { addedP50Ms: 10, p99Ratio: 1.3, nodeCpuRatio: 1.5, throughputRatio: 0.85 } as const;

/** Issue 14's targets this part measures; `notTimed` names channels left out of this run. */
export function overheadTargets(r: Pick<BenchResults, 'ratios' | 'decisions'>, notTimed: { short: string; note: string }[]): TargetCheck[] {
  const t = OVERHEAD_TARGETS;
  const x = (n: number) => `${n.toFixed(2)}x`;
  return [
    { target: 'auto-approved p50, guarded - bare', measured: `+${r.ratios.addedP50Ms.toFixed(1)} ms`, goal: `<= +${t.addedP50Ms} ms`, met: r.ratios.addedP50Ms <= t.addedP50Ms },
    { target: 'auto-approved p99, guarded / bare', measured: x(r.ratios.p99), goal: `<= ${x(t.p99Ratio)}`, met: r.ratios.p99 <= t.p99Ratio },
    { target: 'Node CPU per workflow, guarded / bare', measured: x(r.ratios.nodeCpu), goal: `<= ${x(t.nodeCpuRatio)}`, met: r.ratios.nodeCpu <= t.nodeCpuRatio },
    { target: 'throughput, guarded / bare', measured: x(r.ratios.throughput), goal: `>= ${x(t.throughputRatio)}`, met: r.ratios.throughput >= t.throughputRatio },
    ...Object.values(r.decisions)
      .filter((c) => !c.baseline)
      .flatMap((c) => decisionTargets(c.short, c.toToolStart)),
    ...notTimed.flatMap((c) => decisionTargets(c.short, { p50: Number.NaN, p99: Number.NaN, n: 0 }, c.note)),
  ];
}
