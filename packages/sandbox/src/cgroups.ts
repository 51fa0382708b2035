import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LimiterKind } from './options.js';

export interface CgroupLimits {
  memoryBytes: number;
  pids: number;
  cpus: number;
}

/** One run's cgroup (one directory per v1 controller, one on v2). */
export interface RunCgroup {
  /** `cgroup.procs` files the worker writes the sandbox's PID 1 into while bwrap waits on its block fd (cgroup v2). */
  procsFiles: string[];
  /**
   * cgroup v1: per-thread `tasks` files. The worker opens them (as root) and hands them to the
   * launcher, which moves itself in by writing "0" to each before it execs bwrap: a task
   * moving only itself skips the kernel's global threadgroup lock (and the RCU grace period
   * taking it costs), which a write of another process's pid to `cgroup.procs` must take.
   * The permission check uses the opener's credentials, so the unprivileged launcher may.
   */
  selfJoinFiles?: string[];
  oomKills(): Promise<number>;
  /** SIGKILLs everything still inside, until it is empty. */
  killAll(): Promise<void>;
  remove(): Promise<void>;
}

export interface CgroupLimiter {
  kind: Extract<LimiterKind, 'cgroup-v2' | 'cgroup-v1'>;
  enforces: { memory: boolean; pids: boolean; cpu: boolean };
  /** `runId` names the cgroup (with the worker's pid in it, so sweeps can tell whose it is). */
  create(runId: string, limits: CgroupLimits): Promise<RunCgroup>;
  /** Run cgroups of this worker that still exist (should be none between runs). */
  leftovers(): Promise<string[]>;
  /** Kills and removes run cgroups left by workers that are gone (a crash skips cleanup). */
  sweepStale(): Promise<string[]>;
}

/** Run cgroups are named `airlock-sbx-<worker pid>-<run>`, so a sweep never touches a live worker's runs. */
const PREFIX = 'airlock-sbx-';
export const cgroupName = (runId: string) => `${PREFIX}${runId}`;
const probeName = () => cgroupName(`${process.pid}-probe-${randomBytes(4).toString('hex')}`);
const ownerPid = (name: string) => Number(name.slice(PREFIX.length).split('-')[0]);

interface Mount {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** /proc/self/mountinfo: "id parent maj:min root mountpoint opts [optional...] - fstype source superopts". */
function parseMountInfo(text: string): Mount[] {
  const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6) continue;
    mounts.push({
      root: unescape(fields[3] ?? ''),
      mountPoint: unescape(fields[4] ?? ''),
      fsType: fields[dash + 1] ?? '',
      superOptions: (fields[dash + 3] ?? '').split(','),
    });
  }
  return mounts;
}

/** /proc/self/cgroup: "hierarchy:controllers:path" per line; v2 is "0::path". */
function parseProcCgroup(text: string): { controllers: string[]; path: string }[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, controllers = '', ...rest] = line.split(':');
      return { controllers: controllers ? controllers.split(',') : [], path: rest.join(':') };
    });
}

function dirUnder(mount: Mount, cgroupPath: string): string | undefined {
  const relative = path.posix.relative(mount.root, cgroupPath);
  if (relative.startsWith('..')) return undefined;
  return path.join(mount.mountPoint, relative);
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

async function killProcsIn(dirs: readonly string[]): Promise<void> {
  for (let round = 0; round < 200; round++) {
    let found = false;
    for (const dir of dirs) {
      const text = await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const pid of text.split('\n').filter(Boolean).map(Number)) {
        found = true;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    if (!found) return;
    await sleep(5);
  }
}

async function removeDirs(dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    // A killed process leaves its cgroup a moment after it is reaped.
    for (let attempt = 0; ; attempt++) {
      try {
        await rmdir(dir);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || attempt >= 200) throw error;
        await killProcsIn([dir]);
        await sleep(5);
      }
    }
  }
}

async function listRuns(parents: readonly string[], predicate: (name: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  for (const parent of parents) {
    const entries = await readdir(parent).catch(() => [] as string[]);
    for (const name of entries) if (name.startsWith(PREFIX) && predicate(name)) found.push(path.join(parent, name));
  }
  return found;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const mine = (name: string) => ownerPid(name) === process.pid;
const orphaned = (name: string) => !alive(ownerPid(name));

/** cgroup v1: a directory per controller (memory, pids, cpu), nested under the worker's own cgroups. */
async function cgroupV1(mounts: Mount[], own: ReturnType<typeof parseProcCgroup>): Promise<CgroupLimiter | string> {
  const parentOf = (controller: string) => {
    const mount = mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes(controller));
    const entry = own.find((e) => e.controllers.includes(controller));
    return mount && entry ? dirUnder(mount, entry.path) : undefined;
  };
  const memoryParent = parentOf('memory');
  const pidsParent = parentOf('pids');
  const cpuParent = parentOf('cpu');
  if (!memoryParent || !pidsParent) return 'cgroup v1 memory or pids hierarchy not mounted';

  // Prove the hierarchies are writable before relying on them.
  const probe = path.join(memoryParent, probeName());
  try {
    await mkdir(probe);
    await writeFile(path.join(probe, 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
  } catch (error) {
    return `cgroup v1 not writable: ${(error as Error).message}`;
  } finally {
    await rmdir(probe).catch(() => undefined);
  }
  const cpuUsable = cpuParent !== undefined && (await exists(path.join(cpuParent, 'cpu.cfs_quota_us')));
  const parents = [memoryParent, pidsParent, ...(cpuUsable ? [cpuParent] : [])];

  return {
    kind: 'cgroup-v1',
    enforces: { memory: true, pids: true, cpu: cpuUsable },
    async create(runId, limits) {
      const name = cgroupName(runId);
      const memory = path.join(memoryParent, name);
      const pids = path.join(pidsParent, name);
      const cpu = cpuUsable ? path.join(cpuParent, name) : undefined;
      const dirs = [memory, pids, ...(cpu ? [cpu] : [])];
      try {
        for (const dir of dirs) await mkdir(dir);
        await writeFile(path.join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
        // With swap, memory+swap must be capped too or the limit only moves pages to swap.
        await writeFile(path.join(memory, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes)).catch(() => undefined);
        await writeFile(path.join(pids, 'pids.max'), String(limits.pids));
        if (cpu) {
          const period = Number((await readFile(path.join(cpu, 'cpu.cfs_period_us'), 'utf8')).trim()) || 100_000;
          await writeFile(path.join(cpu, 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round(limits.cpus * period))));
        }
      } catch (error) {
        await removeDirs(dirs).catch(() => undefined);
        throw error;
      }
      return {
        procsFiles: dirs.map((d) => path.join(d, 'cgroup.procs')),
        selfJoinFiles: dirs.map((d) => path.join(d, 'tasks')),
        async oomKills() {
          const text = await readFile(path.join(memory, 'memory.oom_control'), 'utf8').catch(() => '');
          return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
        },
        killAll: () => killProcsIn([pids, memory]),
        async remove() {
          await killProcsIn([pids, memory]);
          await removeDirs(dirs);
        },
      };
    },
    leftovers: () => listRuns(parents, mine),
    async sweepStale() {
      const stale = await listRuns(parents, orphaned);
      await killProcsIn(stale);
      await removeDirs(stale).catch(() => undefined);
      return stale;
    },
  };
}

/** cgroup v2: one directory under a cgroup whose subtree has the memory and pids controllers delegated. */
async function cgroupV2(mounts: Mount[], own: ReturnType<typeof parseProcCgroup>, parentOverride: string | undefined): Promise<CgroupLimiter | string> {
  const mount = mounts.find((m) => m.fsType === 'cgroup2');
  if (!mount) return 'no cgroup2 mount';
  const entry = own.find((e) => e.controllers.length === 0);
  const parent = parentOverride ?? (entry ? dirUnder(mount, entry.path) : undefined);
  if (!parent) return 'the worker is outside the cgroup2 mount';
  const available = (await readFile(path.join(parent, 'cgroup.controllers'), 'utf8').catch(() => '')).trim().split(/\s+/);
  if (!available.includes('memory') || !available.includes('pids')) return `cgroup v2 at ${parent} has no memory/pids controllers`;
  const subtree = async () => (await readFile(path.join(parent, 'cgroup.subtree_control'), 'utf8').catch(() => '')).trim().split(/\s+/);
  let enabled = await subtree();
  if (!enabled.includes('memory') || !enabled.includes('pids')) {
    const wanted = ['memory', 'pids', ...(available.includes('cpu') ? ['cpu'] : [])];
    // Fails (EBUSY) when the parent holds processes itself: the host must delegate a cgroup (cgroupParent).
    const error = await writeFile(path.join(parent, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' ')).then(
      () => undefined,
      (e: Error) => e,
    );
    if (error) return `cannot enable cgroup v2 controllers under ${parent}: ${error.message}`;
    enabled = await subtree();
  }
  const cpuUsable = enabled.includes('cpu');

  return {
    kind: 'cgroup-v2',
    enforces: { memory: true, pids: true, cpu: cpuUsable },
    async create(runId, limits) {
      const dir = path.join(parent, cgroupName(runId));
      try {
        await mkdir(dir);
        await writeFile(path.join(dir, 'memory.max'), String(limits.memoryBytes));
        await writeFile(path.join(dir, 'memory.swap.max'), '0').catch(() => undefined);
        // The whole sandbox dies together on OOM, not one random process of it.
        await writeFile(path.join(dir, 'memory.oom.group'), '1').catch(() => undefined);
        await writeFile(path.join(dir, 'pids.max'), String(limits.pids));
        if (cpuUsable) await writeFile(path.join(dir, 'cpu.max'), `${Math.max(1000, Math.round(limits.cpus * 100_000))} 100000`);
      } catch (error) {
        await removeDirs([dir]).catch(() => undefined);
        throw error;
      }
      const killAll = async () => {
        await writeFile(path.join(dir, 'cgroup.kill'), '1').catch(() => undefined);
        await killProcsIn([dir]);
      };
      return {
        procsFiles: [path.join(dir, 'cgroup.procs')],
        async oomKills() {
          const text = await readFile(path.join(dir, 'memory.events'), 'utf8').catch(() => '');
          return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
        },
        killAll,
        async remove() {
          await killAll();
          await removeDirs([dir]);
        },
      };
    },
    leftovers: () => listRuns([parent], mine),
    async sweepStale() {
      const stale = await listRuns([parent], orphaned);
      for (const dir of stale) await writeFile(path.join(dir, 'cgroup.kill'), '1').catch(() => undefined);
      await killProcsIn(stale);
      await removeDirs(stale).catch(() => undefined);
      return stale;
    },
  };
}

/** Finds a cgroup limiter this worker can use: v2 with delegated controllers, else v1, else none (with why). */
export async function detectCgroupLimiter(preference: 'auto' | 'cgroup-v2' | 'cgroup-v1', parentOverride?: string): Promise<{ limiter?: CgroupLimiter; notes: string[] }> {
  const [mountText, cgroupText] = await Promise.all([readFile('/proc/self/mountinfo', 'utf8').catch(() => ''), readFile('/proc/self/cgroup', 'utf8').catch(() => '')]);
  const mounts = parseMountInfo(mountText);
  const own = parseProcCgroup(cgroupText);
  const notes: string[] = [];
  if (preference !== 'cgroup-v1') {
    const v2 = await cgroupV2(mounts, own, parentOverride);
    if (typeof v2 !== 'string') return { limiter: v2, notes };
    notes.push(v2);
  }
  if (preference !== 'cgroup-v2') {
    const v1 = await cgroupV1(mounts, own);
    if (typeof v1 !== 'string') return { limiter: v1, notes };
    notes.push(v1);
  }
  return { notes };
}
