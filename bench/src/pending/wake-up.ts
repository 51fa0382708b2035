import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { median } from '../stats.js';

/**
 * How much slower this machine runs the same fixed CPU task right after a quiet spell than back
 * to back: the baseline for decisions sent after one (latency.ts). On the 2-core VMs here a task
 * run after several idle seconds took 1.5–2x as long (a scratch probe, 5 Dec 2026), in native
 * code as much as in JavaScript, so a quiet decision is slower in every process on its path
 * (the dev server's completion and Core's history fetch as well as the workflow's activations).
 */
export interface MachineWakeUp {
  /** The task's median ms, back to back. */
  warmMs: number;
  /** Its median ms, each run alone after `gapMs` without work. */
  afterQuietMs: number;
  /** afterQuietMs / warmMs. */
  ratio: number;
  probes: number;
  gapMs: number;
}

/** SHA-256 of 4 MiB: native code, no allocation to speak of, about 2 ms here once warm. */
const BLOCK = Buffer.alloc(4 << 20, 0x5a);
function fixedTask(): number {
  const start = performance.now();
  createHash('sha256').update(BLOCK).digest();
  return performance.now() - start;
}

export function wakeUpFrom(warm: readonly number[], afterQuiet: readonly number[], gapMs: number): MachineWakeUp {
  const warmMs = median(warm);
  const afterQuietMs = median(afterQuiet);
  return { warmMs, afterQuietMs, ratio: afterQuietMs / warmMs, probes: afterQuiet.length, gapMs };
}

/** `probes` runs of the task, each after `gapMs` asleep (untouched by anything this process does), then 20 back to back. */
export async function measureMachineWakeUp(probes: number, gapMs: number): Promise<MachineWakeUp> {
  const afterQuiet: number[] = [];
  for (let i = 0; i < probes; i++) {
    await sleep(gapMs);
    afterQuiet.push(fixedTask());
  }
  for (let i = 0; i < 5; i++) fixedTask();
  const warm = Array.from({ length: 20 }, fixedTask);
  return wakeUpFrom(warm, afterQuiet, gapMs);
}
