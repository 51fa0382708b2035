import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import { access, constants, open, readdir, readFile, statfs, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { argsPayload, bwrapArgs, describeRootLinks, FD, SANDBOX_PATH, SCRATCH_MOUNT, type BwrapLayout } from './bwrap.js';
import { cgroupName, detectCgroupLimiter, type CgroupLimiter, type RunCgroup } from './cgroups.js';
import {
  SandboxLaunchError,
  SandboxLimits,
  SandboxOptions,
  SandboxUnavailableError,
  type KilledBy,
  type Sandbox,
  type SandboxCapabilities,
  type SandboxOptionsInput,
  type SandboxRequest,
  type SandboxResult,
} from './options.js';
import { buildSeccompFilter, seccompArch } from './seccomp.js';
import { runSelfTest } from './self-test.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * RLIMIT_NPROC (the fallback's process bound) counts every process of the sandbox
 * uid on the host, including each finished run's bwrap init until the host's init
 * reaps it (lazily on some hosts): headroom so back-to-back runs still start.
 */
const NPROC_HEADROOM = 256;
/** After the sandbox's init dies, its pipes close at once; this only bounds a pathological wait. */
const CLOSE_GRACE_MS = 5_000;
/** How often the worker looks at the tmpfs' free space while a run is in flight. */
const DISK_POLL_MS = 50;
/** How long the worker waits for bwrap's mounts before letting the command run without a disk watch. */
const MOUNT_WAIT_MS = 5_000;
// statfs f_type of a tmpfs (linux/magic.h).
const TMPFS_MAGIC = 0x01021994;

interface Plan {
  options: SandboxOptions;
  /** Runs in flight (their scratch and cgroups exist legitimately). */
  active: Set<string>;
  layout: BwrapLayout;
  cgroups?: CgroupLimiter;
  usePrlimit: boolean;
  /** The worker is root: the launcher is spawned as options.uid/gid, supplementary groups cleared. */
  switchUid: boolean;
  /** Descriptors the worker inherited without close-on-exec, each covered by /dev/null in the launcher (see inheritedDescriptors). */
  covered: Array<number | 'ignore'>;
}

const isExecutable = (p: string) =>
  access(p, constants.X_OK).then(
    () => true,
    () => false,
  );

function unavailable(reason: string, notes: string[] = [], partial: Partial<SandboxCapabilities> = {}): Sandbox {
  const capabilities: SandboxCapabilities = {
    uidSwitch: process.getuid?.() === 0 ? 'spawn-uid' : 'already-unprivileged',
    enforced: { memory: false, pids: false, cpu: false, cpuTime: false, fileSize: false },
    disableUserns: false,
    seccomp: false,
    notes,
    ...partial,
    available: false,
    reason,
  };
  return {
    capabilities,
    run: () => Promise.reject(new SandboxUnavailableError(reason)),
    leftovers: async () => ({ scratchDirs: [], cgroups: [] }),
  };
}

async function capture(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => resolve({ code: null, stdout, stderr: error.message }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Detects once what this host supports (bwrap, user namespaces, cgroups,
 * prlimit) and proves the sandbox with a probe. Never throws: where the
 * sandbox cannot hold, the returned sandbox refuses every run with
 * "sandbox unavailable: ..." (fail closed).
 */
export async function createSandbox(input: SandboxOptionsInput = {}): Promise<Sandbox> {
  const parsed = SandboxOptions.safeParse(input);
  if (!parsed.success) return unavailable(`invalid sandbox options: ${parsed.error.message}`);
  const notes: string[] = [];
  try {
    return await detect(parsed.data, notes);
  } catch (error) {
    return unavailable(`detection failed: ${error instanceof Error ? error.message : String(error)}`, notes);
  }
}

async function detect(options: SandboxOptions, notes: string[]): Promise<Sandbox> {
  const root = process.getuid?.() === 0;

  if (!(await isExecutable(options.bwrapPath))) return unavailable(`bwrap not found at ${options.bwrapPath} (install bubblewrap)`);
  const help = await capture(options.bwrapPath, ['--help'], { PATH: SANDBOX_PATH });
  const version = await capture(options.bwrapPath, ['--version'], { PATH: SANDBOX_PATH });
  for (const option of ['--args', '--size', '--block-fd', '--info-fd']) {
    if (!help.stdout.includes(option)) return unavailable(`bwrap at ${options.bwrapPath} lacks ${option} (${version.stdout.trim() || 'unknown version'}; 0.8 or newer needed)`);
  }
  const arch = seccompArch();
  const layout: BwrapLayout = {
    rootLinks: await describeRootLinks(),
    readOnlyPaths: options.readOnlyPaths,
    disableUserns: help.stdout.includes('--disable-userns'),
    seccomp: arch && help.stdout.includes('--seccomp') ? buildSeccompFilter(arch) : undefined,
  };
  if (!layout.disableUserns) notes.push('bwrap lacks --disable-userns (< 0.8): nested user namespaces stay possible inside');
  if (!layout.seccomp) notes.push(`no seccomp filter: no syscall table for ${process.arch} or bwrap lacks --seccomp`);

  let cgroups: CgroupLimiter | undefined;
  if (options.limiter !== 'prlimit') {
    const detected = await detectCgroupLimiter(options.limiter, options.cgroupParent);
    notes.push(...detected.notes);
    cgroups = detected.limiter;
    if (!cgroups && options.limiter !== 'auto') return unavailable(`${options.limiter} requested but unusable: ${detected.notes.join('; ')}`, notes);
    if (cgroups) {
      const swept = await cgroups.sweepStale();
      if (swept.length > 0) notes.push(`removed ${swept.length} run cgroup(s) left by dead workers`);
    }
  }
  if (!cgroups && options.requireMemoryLimit) return unavailable(`no usable memory cgroup and requireMemoryLimit is set (${notes.join('; ')})`, notes);
  const hasPrlimit = await isExecutable(options.prlimitPath);
  // Without a pids cgroup, prlimit is the only bound on processes and CPU time: refuse rather than run unbounded.
  if (!cgroups && !hasPrlimit) return unavailable(`no usable cgroup and no prlimit at ${options.prlimitPath}: cannot limit processes`, notes);
  if (!cgroups) notes.push('memory is not limited (no cgroup; prlimit --as would break V8/Go/Java)');

  const covered = await inheritedDescriptors();
  if (covered.length > FD.block + 1) notes.push(`${covered.filter((fd) => fd !== 'ignore').length} inherited descriptor(s) without close-on-exec are replaced by /dev/null in every run`);
  const plan: Plan = { options, active: new Set(), layout, usePrlimit: hasPrlimit, switchUid: root, covered, ...(cgroups ? { cgroups } : {}) };
  const capabilities: SandboxCapabilities = {
    available: true,
    bwrapVersion: version.stdout.trim(),
    uidSwitch: root ? 'spawn-uid' : 'already-unprivileged',
    limiter: cgroups?.kind ?? 'prlimit',
    enforced: {
      memory: cgroups?.enforces.memory ?? false,
      pids: cgroups?.enforces.pids ?? hasPrlimit,
      cpu: cgroups?.enforces.cpu ?? false,
      cpuTime: hasPrlimit,
      fileSize: hasPrlimit,
    },
    disableUserns: layout.disableUserns,
    seccomp: layout.seccomp !== undefined,
    notes,
  };

  // Where user namespaces are forbidden bwrap fails at once ("Creating new namespace failed").
  const smoke = await runPlanned(plan, { command: ['true'], timeoutMs: 10_000 }).catch((error: Error) => error);
  if (smoke instanceof Error) return unavailable(`bwrap cannot start a sandbox: ${smoke.message}`, notes, capabilities);
  if (smoke.exitCode !== 0) return unavailable(`bwrap cannot start a sandbox: exit ${smoke.exitCode}: ${smoke.stderr.trim()}`, notes, capabilities);

  const sandbox: Sandbox = {
    capabilities,
    run: (request) => runPlanned(plan, request),
    leftovers: async () => {
      const activeCgroups = new Set([...plan.active].map(cgroupName));
      return {
        scratchDirs: [],
        cgroups: ((await cgroups?.leftovers()) ?? []).filter((dir) => !activeCgroups.has(path.basename(dir))),
      };
    },
  };
  if (!options.selfTest) return sandbox;
  const report = await runSelfTest(sandbox);
  if (!report.ok) {
    const failed = report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    return { ...unavailable(`self-test failed: ${failed.join('; ')}`, notes, capabilities), selfTest: report };
  }
  return { ...sandbox, selfTest: report };
}

const O_CLOEXEC = 0o2000000;

/**
 * Node opens everything close-on-exec, but descriptors the worker inherited
 * (from a shell's `exec 9>file`, a supervisor, a test harness) stay open across
 * exec and would reach the sandboxed command: a pipe or socket of the host's.
 * Each is covered in the launcher by a descriptor on /dev/null (spawn's stdio
 * entry N is dup2'ed onto fd N), so inside only /dev/null sits at that number.
 * Looked up once, at start-up: descriptors opened later are Node's own.
 */
async function inheritedDescriptors(): Promise<Array<number | 'ignore'>> {
  const leaked: number[] = [];
  for (const name of await readdir('/proc/self/fdinfo').catch(() => [] as string[])) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd <= FD.block) continue;
    const flags = /^flags:\s*([0-7]+)$/m.exec(await readFile(`/proc/self/fdinfo/${name}`, 'utf8').catch(() => ''))?.[1];
    if (flags !== undefined && (parseInt(flags, 8) & O_CLOEXEC) === 0) leaked.push(fd);
  }
  if (leaked.length === 0) return [];
  // Kept open for the worker's life: the launcher's stdio entries point at it.
  const devNull = openSync('/dev/null', 'r');
  const slots: Array<number | 'ignore'> = Array.from({ length: Math.max(...leaked) + 1 }, () => 'ignore');
  for (const fd of leaked) slots[fd] = devNull;
  return slots;
}

function effectiveLimits(base: SandboxLimits, override: Partial<SandboxLimits> | undefined): SandboxLimits {
  if (!override) return base;
  const tighter = (key: keyof SandboxLimits) => Math.min(base[key], override[key] ?? base[key]);
  return SandboxLimits.parse({
    memoryBytes: tighter('memoryBytes'),
    pids: tighter('pids'),
    cpus: tighter('cpus'),
    maxOutputBytes: tighter('maxOutputBytes'),
    maxFileBytes: tighter('maxFileBytes'),
    scratchBytes: tighter('scratchBytes'),
    tmpBytes: tighter('tmpBytes'),
  });
}

/** A malformed request is the caller's error (a TypeError), not a sandbox failure. */
function validateRequest(request: SandboxRequest, maxTimeoutMs: number): void {
  if (request.command.length === 0 || request.command[0] === '') throw new TypeError('sandbox: empty command');
  if (request.command.some((a) => a.includes('\0'))) throw new TypeError('sandbox: command arguments may not contain NUL');
  if (!Number.isInteger(request.timeoutMs) || request.timeoutMs < 1 || request.timeoutMs > maxTimeoutMs) {
    throw new TypeError(`sandbox: timeoutMs must be an integer between 1 and ${maxTimeoutMs}`);
  }
  for (const [name, value] of Object.entries(request.env ?? {})) {
    if (!ENV_NAME.test(name) || value.includes('\0')) throw new TypeError(`sandbox: invalid environment variable ${JSON.stringify(name)}`);
  }
}

class OutputCollector {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(
    private readonly cap: number,
    private readonly onOverflow: () => void,
  ) {}
  push(chunk: Buffer): Buffer | undefined {
    if (this.truncated) return undefined;
    const room = this.cap - this.size;
    if (chunk.length > room) {
      const kept = chunk.subarray(0, room);
      this.chunks.push(kept);
      this.size = this.cap;
      this.truncated = true;
      this.onOverflow();
      return kept;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    return chunk;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

async function runPlanned(plan: Plan, request: SandboxRequest): Promise<SandboxResult> {
  const { options } = plan;
  validateRequest(request, options.maxTimeoutMs);
  if (request.signal?.aborted) throw new Error('sandbox: cancelled before start');
  const limits = effectiveLimits(options.limits, request.limits);

  const runId = `${process.pid}-${randomBytes(8).toString('hex')}`;
  plan.active.add(runId);
  let cgroup: RunCgroup | undefined;
  try {
    cgroup = plan.cgroups ? await plan.cgroups.create(runId, limits) : undefined;
    const prlimit = plan.usePrlimit
      ? [
          options.prlimitPath,
          `--fsize=${limits.maxFileBytes}`,
          '--core=0',
          // CPU time only as a backstop: the wall-clock deadline normally fires first.
          `--cpu=${Math.ceil(request.timeoutMs / 1000) + 1}`,
          ...(cgroup ? [] : [`--nproc=${limits.pids + NPROC_HEADROOM}`]),
          '--',
        ]
      : [];
    // One exec chain, no shell: prlimit (when present) execs bwrap. The uid switch is spawn's own (setgid, setgroups(0), setuid
    // before exec), and the cgroups are joined by the worker while bwrap waits on the block fd, before the command exists.
    const argv = [...prlimit, options.bwrapPath, '--args', String(FD.args), '--', ...request.command];
    const bwrap = argsPayload(bwrapArgs(plan.layout, { scratchBytes: limits.scratchBytes, tmpBytes: limits.tmpBytes, env: request.env ?? {} }));
    const user = plan.switchUid ? { uid: options.uid, gid: options.gid } : undefined;
    return await supervise(argv, { args: bwrap, seccomp: plan.layout.seccomp, covered: plan.covered, user }, request, limits, cgroup);
  } finally {
    await cgroup?.remove().catch(() => undefined);
    plan.active.delete(runId);
  }
}

/**
 * The run's two tmpfs, held open from the host once bwrap has mounted them: their
 * free space can be read while the run goes on and after it ended (an open
 * directory keeps its filesystem alive after the mount namespace is gone).
 */
class DiskWatch {
  private constructor(private readonly handles: FileHandle[]) {}

  /** Waits for bwrap's mounts (the sandbox blocks on the block fd until told to go); undefined if they cannot be opened. */
  static async open(pid: number, sizes: number[], signal: AbortSignal): Promise<DiskWatch | undefined> {
    const paths = [SCRATCH_MOUNT, '/tmp'].map((p) => `/proc/${pid}/root${p}`);
    const handles: FileHandle[] = [];
    try {
      for (const [i, target] of paths.entries()) {
        for (;;) {
          if (signal.aborted) throw signal.reason;
          const handle = await open(target, 'r').catch(() => undefined);
          // Before bwrap's pivot this path is the host's (usually absent); its own tmpfs has exactly our size.
          if (handle) {
            const stats = await statfs(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
            if (stats && stats.type === TMPFS_MAGIC && stats.blocks * stats.bsize === sizes[i]) {
              handles.push(handle);
              break;
            }
            await handle.close();
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
      return new DiskWatch(handles);
    } catch {
      for (const handle of handles) await handle.close().catch(() => undefined);
      return undefined;
    }
  }

  /** Whether /scratch or /tmp has no room left. */
  async full(): Promise<boolean> {
    for (const handle of this.handles) {
      const stats = await statfs(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
      if (stats && stats.bavail === 0) return true;
    }
    return false;
  }

  async close(): Promise<void> {
    for (const handle of this.handles) await handle.close().catch(() => undefined);
  }
}

/** Starts the launcher in its own process group and watches it: deadline, output caps, disk, cancellation. */
async function supervise(
  argv: string[],
  feed: { args: Buffer; seccomp: Buffer | undefined; covered: Array<number | 'ignore'>; user: { uid: number; gid: number } | undefined },
  request: SandboxRequest,
  limits: SandboxLimits,
  cgroup: RunCgroup | undefined,
): Promise<SandboxResult> {
  const started = performance.now();
  const [file, ...args] = argv as [string, ...string[]];
  // Nothing of the worker's environment reaches the launcher: /proc/1/environ inside shows bwrap's.
  const child = spawn(file, args, {
    detached: true,
    cwd: '/',
    ...feed.user,
    env: { PATH: SANDBOX_PATH },
    // stdin, stdout, stderr, then bwrap's info, args, seccomp and block fds.
    stdio: [request.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', feed.seccomp ? 'pipe' : 'ignore', 'pipe', ...feed.covered.slice(FD.block + 1)],
  });
  // A bwrap that fails early closes its end: the writes below must not crash the worker.
  const writable = (fd: number) => {
    const stream = child.stdio[fd] as Writable | null;
    stream?.on('error', () => undefined);
    return stream;
  };
  writable(FD.args)?.end(feed.args);
  if (feed.seccomp) writable(FD.seccomp)?.end(feed.seccomp);
  const block = writable(FD.block);

  // Set from event handlers; an object so the compiler does not narrow it to its initial value.
  const outcome: { killedBy: KilledBy | null } = { killedBy: null };
  let sandboxPid: number | undefined;
  let info = '';
  let disk: Promise<DiskWatch | undefined> | undefined;
  let joinError: string | undefined;
  let diskTimer: NodeJS.Timeout | undefined;
  const stopWaiting = new AbortController();

  const launcherRunning = () => child.exitCode === null && child.signalCode === null;
  const killEverything = (reason: KilledBy) => {
    outcome.killedBy ??= reason;
    if (!launcherRunning()) return;
    // The sandbox's init first (its death takes the whole PID namespace; bwrap has not reaped it yet,
    // so the pid is still its), then the launcher's process group.
    if (sandboxPid) tryKill(sandboxPid);
    if (child.pid) tryKill(-child.pid);
    void cgroup?.killAll();
  };

  const stdout = new OutputCollector(limits.maxOutputBytes, () => killEverything('output'));
  const stderr = new OutputCollector(limits.maxOutputBytes, () => killEverything('output'));
  const forward = (stream: 'stdout' | 'stderr', kept: Buffer | undefined) => {
    if (kept?.length) request.onOutput?.(stream, kept);
  };
  child.stdout?.on('data', (chunk: Buffer) => forward('stdout', stdout.push(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => forward('stderr', stderr.push(chunk)));
  const infoStream = child.stdio[FD.info] as Readable | null;
  infoStream?.on('data', (chunk: Buffer) => {
    info += chunk.toString();
    const pid = /"child-pid":\s*(\d+)/.exec(info)?.[1];
    if (pid && sandboxPid === undefined) {
      sandboxPid = Number(pid);
      const sandbox = sandboxPid;
      // bwrap's child (the sandbox's PID 1) waits on the block fd once its mounts are in place: put it in the run's
      // cgroups (what it forks next, the command, starts inside), open the tmpfs to watch, then let the command run.
      // The cgroup writes (a v1 migration each, under a global lock) and bwrap's mount set-up overlap.
      disk = DiskWatch.open(sandbox, [limits.scratchBytes, limits.tmpBytes], AbortSignal.any([stopWaiting.signal, AbortSignal.timeout(MOUNT_WAIT_MS)]));
      void (async () => {
        try {
          await Promise.all((cgroup?.procsFiles ?? []).map((procs) => writeFile(procs, String(sandbox))));
        } catch (error) {
          joinError = error instanceof Error ? error.message : String(error);
          killEverything('cancel');
          return;
        }
        const watch = await disk;
        block?.end('x');
        if (!watch) return;
        const poll = () => {
          diskTimer = setTimeout(() => {
            void watch.full().then((full) => {
              if (full) killEverything('disk');
              else if (launcherRunning()) poll();
            });
          }, DISK_POLL_MS);
        };
        poll();
      })();
    }
  });
  if (request.stdin !== undefined && child.stdin) {
    child.stdin.on('error', () => undefined);
    child.stdin.end(request.stdin);
  }

  const timer = setTimeout(() => killEverything('timeout'), request.timeoutMs);
  const onAbort = () => killEverything('cancel');
  request.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        exited = { code, signal };
        stopWaiting.abort();
        // The PID namespace dies with bwrap; sweeping the cgroup too means nothing can hold the pipes open.
        // (No group kill here: once the launcher is reaped its pid, hence the group id, may be reused.)
        void cgroup?.killAll();
        setTimeout(() => {
          for (const stream of child.stdio) stream?.destroy();
        }, CLOSE_GRACE_MS).unref();
      });
      child.once('close', (code, signal) => resolve(exited ?? { code, signal }));
    });
    if (joinError !== undefined) throw new SandboxLaunchError(`the sandbox could not join its cgroups: ${joinError}`);
    if (sandboxPid === undefined && outcome.killedBy === null) {
      // bwrap never reported a sandbox: it failed during setup (namespaces, mounts, cgroup join).
      throw new SandboxLaunchError(`the sandbox did not start (exit ${code ?? signal}): ${stderr.text().trim().slice(0, 2000)}`);
    }
    clearTimeout(diskTimer);
    const watch = await disk;
    // A command that filled a tmpfs and then stopped (ENOSPC is an error to most programs) was ended by the disk limit.
    if (outcome.killedBy === null && watch && (await watch.full())) outcome.killedBy = 'disk';
    await watch?.close();
    if (outcome.killedBy === null && cgroup && (await cgroup.oomKills()) > 0) outcome.killedBy = 'memory';
    const { killedBy } = outcome;
    return {
      exitCode: code,
      signal,
      stdout: stdout.text(),
      stderr: stderr.text(),
      truncated: stdout.truncated || stderr.truncated,
      timedOut: killedBy === 'timeout',
      killedBy,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    clearTimeout(timer);
    clearTimeout(diskTimer);
    stopWaiting.abort();
    void disk?.then((watch) => watch?.close());
    request.signal?.removeEventListener('abort', onAbort);
  }
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
