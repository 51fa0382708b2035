import type { BenchConfig } from './config.js';
import type { MachineInfo } from './infra/machine.js';
import type { Throughput } from './measure.js';
import type { ProfileReport } from './profile/index.js';
import type { Summary } from './stats.js';

export const TARGET_P50_RATIO = 1.3;

export interface BenchResults {
  config: Omit<BenchConfig, 'pgUrl' | 'json'>;
  machine: MachineInfo;
  sequential: { bare: Summary; guarded: Summary };
  /** Temporal server flags beyond the stock dev server's. */
  temporalArgs: string[];
  throughput: { bare: Throughput; guarded: Throughput };
  /** guarded / bare: latency ratios above 1 and a throughput ratio below 1 mean Airlock costs more. */
  ratios: { p50: number; p99: number; throughput: number; p50TargetMet: boolean };
  approval: { decideToToolStart: Summary; decideCall: Summary };
  profile?: ProfileReport;
}
