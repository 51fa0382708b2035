import { readdir, readFile } from 'node:fs/promises';

// CPU time from /proc: what a request costs the console and PostgreSQL, whatever
// else the shared machine is doing (wall times move with the load; this does not).

const TICK_MS = 10; // USER_HZ is 100 on Linux

async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return -1;
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * TICK_MS;
}

/** A process and everything it started (next start may run its server in a child). */
export async function processTree(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const children = await Promise.all(tasks.map((t) => readFile(`/proc/${pid}/task/${t}/children`, 'utf8').catch(() => '')));
  const childPids = children.flatMap((c) => c.trim().split(/\s+/).filter(Boolean).map(Number));
  return [pid, ...(await Promise.all(childPids.map(processTree))).flat()];
}

/** CPU time so far of each process (a process that has gone is left out). */
export async function cpuByPid(pids: readonly number[]): Promise<Map<number, number>> {
  const each = await Promise.all(pids.map(async (pid) => [pid, await processCpuMs(pid)] as const));
  return new Map(each.filter(([, ms]) => ms >= 0));
}

/** CPU time spent between two readings by the processes present in both. */
export function cpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ms] of after) {
    const start = before.get(pid);
    if (start !== undefined) sum += ms - start;
  }
  return sum;
}
