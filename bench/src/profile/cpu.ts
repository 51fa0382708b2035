import { readFileSync } from 'node:fs';
import type { Db } from '@airlock/db';

/** CPU seconds, split by who spent them (Linux /proc; NaN where unknown). */
export interface CpuSample {
  /** This process: client, workers, workflow threads, the SDK's native threads. */
  node: number;
  /** The dev server this run started. */
  temporal: number;
  /** The PostgreSQL backends serving the scratch database. */
  postgres: number;
  /** Every process on the machine, busy time from /proc/stat (includes other people's work). */
  machine: number;
}

const TICK = 0.01; // USER_HZ is 100 on Linux.

function processSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK; // utime, stime
  } catch {
    return undefined; // gone, or not Linux
  }
}

function machineBusy(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
    return (user + nice + system + irq + softirq + steal) * TICK;
  } catch {
    return Number.NaN;
  }
}

interface RawSample {
  node: number;
  temporal: number;
  postgres: Map<number, number>;
  machine: number;
}

/** Samples CPU of this process, the run's dev server and the scratch database's backends. */
export class CpuProbe {
  constructor(
    private readonly db: Db,
    private readonly temporalPid: number | undefined,
  ) {}

  async sample(): Promise<RawSample> {
    const { rows } = await this.db.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
    const postgres = new Map<number, number>();
    for (const { pid } of rows) {
      const s = processSeconds(pid);
      if (s !== undefined) postgres.set(pid, s);
    }
    const u = process.cpuUsage();
    return {
      node: (u.user + u.system) / 1e6,
      temporal: this.temporalPid === undefined ? Number.NaN : (processSeconds(this.temporalPid) ?? Number.NaN),
      postgres,
      machine: machineBusy(),
    };
  }
}

/** b - a; a backend that ended in between is lost (the pool keeps them open during a batch), never negative. */
export function cpuDelta(a: RawSample, b: RawSample): CpuSample {
  let postgres = 0;
  for (const [pid, s] of b.postgres) postgres += s - (a.postgres.get(pid) ?? 0);
  return { node: b.node - a.node, temporal: b.temporal - a.temporal, postgres, machine: b.machine - a.machine };
}

export function addCpu(a: CpuSample, b: CpuSample): CpuSample {
  return { node: a.node + b.node, temporal: a.temporal + b.temporal, postgres: a.postgres + b.postgres, machine: a.machine + b.machine };
}

export const ZERO_CPU: CpuSample = { node: 0, temporal: 0, postgres: 0, machine: 0 };
