import { performance } from 'node:perf_hooks';
import { addCpu, cpuDelta, ZERO_CPU, type CpuProbe, type CpuSample } from './profile/cpu.js';
import type { Run } from './workloads.js';

export interface Timed {
  ms: number;
  workflowId: string;
}

export async function timeOnce(run: Run): Promise<Timed> {
  const t0 = performance.now();
  const workflowId = await run();
  return { ms: performance.now() - t0, workflowId };
}

/**
 * Runs every variant once per iteration, rotating which goes first (A B, B A, ...),
 * so drift and noise on the machine hit all variants alike. Warm-up runs are discarded.
 */
export async function sequentialInterleaved<K extends string>(variants: Record<K, Run>, n: number, warmup: number): Promise<Record<K, Timed[]>> {
  const names = Object.keys(variants) as K[];
  const out = Object.fromEntries(names.map((k) => [k, [] as Timed[]])) as Record<K, Timed[]>;
  for (let i = 0; i < warmup + n; i++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length]!;
      const timed = await timeOnce(variants[name]);
      if (i >= warmup) out[name].push(timed);
    }
  }
  return out;
}

export interface BatchResult {
  workflowsPerSecond: number;
  /** CPU seconds spent during the batch, by process group. */
  cpu: CpuSample;
}

/** `total` runs, at most `concurrency` in flight. */
export async function concurrentBatch(run: Run, total: number, concurrency: number, cpu: CpuProbe): Promise<BatchResult> {
  let started = 0;
  const cpu0 = await cpu.sample();
  const t0 = performance.now();
  const lane = async () => {
    while (started < total) {
      started++;
      await run();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  const seconds = (performance.now() - t0) / 1000;
  return { workflowsPerSecond: total / seconds, cpu: cpuDelta(cpu0, await cpu.sample()) };
}

export interface Throughput {
  /** One value per batch. */
  workflowsPerSecond: number[];
  /** CPU milliseconds per workflow, over all batches. */
  cpuMsPerRun: CpuSample;
}

/** `rounds` batches per variant, the order alternating each round (A B, B A, ...). */
export async function throughputRounds<K extends string>(
  variants: Record<K, Run>,
  batch: number,
  concurrency: number,
  rounds: number,
  probe: CpuProbe,
): Promise<Record<K, Throughput>> {
  const names = Object.keys(variants) as K[];
  const wfps = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const cpu = Object.fromEntries(names.map((k) => [k, ZERO_CPU])) as Record<K, CpuSample>;
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(r + j) % names.length]!;
      const result = await concurrentBatch(variants[name], batch, concurrency, probe);
      wfps[name].push(result.workflowsPerSecond);
      cpu[name] = addCpu(cpu[name], result.cpu);
    }
  }
  const perRun = (c: CpuSample): CpuSample => {
    const k = 1000 / Math.max(1, batch * rounds);
    return { node: c.node * k, temporal: c.temporal * k, postgres: c.postgres * k, machine: c.machine * k };
  };
  return Object.fromEntries(names.map((k) => [k, { workflowsPerSecond: wfps[k], cpuMsPerRun: perRun(cpu[k]) }])) as Record<K, Throughput>;
}
