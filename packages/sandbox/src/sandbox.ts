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
  /** The next run's cgroup, made (and limited) ahead while the worker is idle; never used twice. */
  spare?: { runId: string; limits: SandboxLimits; cgroup: Promise<RunCgroup | undefined> };
  /** Only a sandbox in service keeps a spare: one refused at start-up leaves nothing behind. */
  keepSpare: boolean;
  /** Finished runs' cgroups being removed (after the result was returned; nothing runs in them any more). */
  removals: Set<Promise<void>>;
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
  if (covered.length > FD.block + 1)
    notes.push(`${covered.filter((fd) => fd !== 'ignore').length} inherited descriptor(s) without close-on-exec are replaced by /dev/null in every run`);
  const plan: Plan = {
    options,
    active: new Set(),
    removals: new Set(),
    keepSpare: false,
    layout,
    usePrlimit: hasPrlimit,
    switchUid: root,
    covered,
    ...(cgroups ? { cgroups } : {}),
  };
  const capabilities: SandboxCapabilities = {
    available: true,
    bwrapVersion: version.stdout.trim(),
    uidSwitch: root ? 'spawn-uid' : 'already-unprivileged',
    limiter: cgroups?.kind ?? 'prlimit',
    enforced: {
      memory: cgroups?.enforces.memory ?? false,
      pids: cgroups?.enforces.pids ?? hasPrlimit,
      cpu: cgroups?.enforces.cpu ?? false,
      // cgroup v1 runs set these with the launcher's own ulimit; the others need prlimit.
      cpuTime: hasPrlimit || cgroups?.kind === 'cgroup-v1',
      fileSize: hasPrlimit || cgroups?.kind === 'cgroup-v1',
    },
    disableUserns: layout.disableUserns,
    seccomp: layout.seccomp !== undefined,
    notes,
  };

  // Where user namespaces are forbidden bwrap fails at once ("Creating new namespace failed").
  const smoke = await runPlanned(plan, { command: ['true'], timeoutMs: 10_000 }).catch((error: Error) => error);
  if (smoke instanceof Error) return unavailable(`bwrap cannot start a sandbox: ${smoke.message}`, notes, capabilities);
  if (smoke.exitCode !== 0) return unavailable(`bwrap cannot start a sandbox: exit ${smoke.exitCode}: ${smoke.stderr.trim()}`, notes, capabilities);

  plan.keepSpare = true;
  const sandbox: Sandbox = {
    capabilities,
    run: (request) => runPlanned(plan, request),
    leftovers: async () => {
      await Promise.all(plan.removals);
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
    plan.keepSpare = false;
    if (plan.spare) discardSpare(plan, plan.spare);
    plan.spare = undefined;
    await Promise.all(plan.removals);
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

  const { runId, cgroup: made } = takeCgroup(plan, limits);
  let cgroup: RunCgroup | undefined;
  let joinHandles: FileHandle[] = [];
  try {
    cgroup = await made;
    // cgroup v1: the launcher is a fixed sh line that moves itself into the run's cgroups (see selfJoinFiles) and sets the
    // rlimits with its own ulimit, then execs bwrap: bwrap and everything it forks start inside, one exec fewer than prlimit.
    // Otherwise prlimit (when present) execs bwrap, and the worker puts the sandbox's PID 1 into the cgroup (v2) while
    // bwrap waits on the block fd. The uid switch is spawn's own (setgid, setgroups(0), setuid before exec).
    joinHandles = await Promise.all((cgroup?.selfJoinFiles ?? []).map((file) => open(file, constants.O_WRONLY)));
    const cpuSeconds = Math.ceil(request.timeoutMs / 1000) + 1;
    const selfJoining = joinHandles.length > 0;
    const prlimit =
      plan.usePrlimit && !selfJoining
        ? [
            options.prlimitPath,
            `--fsize=${limits.maxFileBytes}`,
            '--core=0',
            // CPU time only as a backstop: the wall-clock deadline normally fires first.
            `--cpu=${cpuSeconds}`,
            ...(cgroup ? [] : [`--nproc=${limits.pids + NPROC_HEADROOM}`]),
            '--',
          ]
        : [];
    // Right after bwrap's fds (at most three: memory, pids, cpu): dash takes one-digit descriptors only. A covered inherited
    // descriptor at the same number is replaced by the `tasks` file, which the launcher closes: it does not reach the sandbox either.
    const joinFds = joinHandles.map((_, i) => FD.block + 1 + i);
    const launcher = selfJoining ? [LAUNCHER_SHELL, '-c', selfJoinScript(joinFds, { fileBlocks: Math.floor(limits.maxFileBytes / 512), cpuSeconds }), 'airlock-launcher'] : prlimit;
    const argv = [...launcher, options.bwrapPath, '--args', String(FD.args), '--', ...request.command];
    const bwrap = argsPayload(bwrapArgs(plan.layout, { scratchBytes: limits.scratchBytes, tmpBytes: limits.tmpBytes, env: request.env ?? {} }));
    const user = plan.switchUid ? { uid: options.uid, gid: options.gid } : undefined;
    const extra: Array<number | 'ignore'> = plan.covered.slice(FD.block + 1);
    for (const [i, handle] of joinHandles.entries()) extra[i] = handle.fd;
    const workerJoins = selfJoining ? [] : (cgroup?.procsFiles ?? []);
    return await supervise(argv, { args: bwrap, seccomp: plan.layout.seccomp, extra, user }, request, limits, cgroup, workerJoins);
  } finally {
    for (const handle of joinHandles) await handle.close().catch(() => undefined);
    // Nothing may still run when the result is returned: what is left in the cgroup is killed first. Removing the
    // empty directories (a few ms of kernel work per v1 hierarchy) happens after; leftovers() waits for it.
    await cgroup?.killAll().catch(() => undefined);
    const removal = (cgroup ? cgroup.remove().catch(() => undefined) : Promise.resolve()).finally(() => {
      plan.active.delete(runId);
      plan.removals.delete(removal);
    });
    plan.removals.add(removal);
    makeSpare(plan);
  }
}

const newRunId = () => `${process.pid}-${randomBytes(8).toString('hex')}`;

/** This run's cgroup: the spare one when its limits are this run's, else one made now (none without a cgroup limiter). */
function takeCgroup(plan: Plan, limits: SandboxLimits): { runId: string; cgroup: Promise<RunCgroup | undefined> } {
  const { spare } = plan;
  plan.spare = undefined;
  if (spare && sameCgroupLimits(spare.limits, limits)) {
    // A spare whose making failed is replaced by one made now: its error, if any, is this run's.
    return { runId: spare.runId, cgroup: spare.cgroup.then((cgroup) => cgroup ?? plan.cgroups?.create(spare.runId, limits)) };
  }
  if (spare) discardSpare(plan, spare);
  const runId = newRunId();
  plan.active.add(runId);
  return { runId, cgroup: plan.cgroups ? plan.cgroups.create(runId, limits) : Promise.resolve(undefined) };
}

const sameCgroupLimits = (a: SandboxLimits, b: SandboxLimits) => a.memoryBytes === b.memoryBytes && a.pids === b.pids && a.cpus === b.cpus;

/** Makes the next run's cgroup with the sandbox's own limits (what most runs use), off the next run's critical path. */
function makeSpare(plan: Plan): void {
  if (!plan.cgroups || plan.spare || !plan.keepSpare) return;
  const runId = newRunId();
  plan.active.add(runId);
  const limits = plan.options.limits;
  plan.spare = { runId, limits, cgroup: plan.cgroups.create(runId, limits).catch(() => undefined) };
}

function discardSpare(plan: Plan, spare: NonNullable<Plan['spare']>): void {
  const removal = spare.cgroup
    .then((cgroup) => cgroup?.remove())
    .catch(() => undefined)
    .finally(() => {
      plan.active.delete(spare.runId);
      plan.removals.delete(removal);
    });
  plan.removals.add(removal);
}

/** The launcher of a self-joining run (cgroup v1); its arguments are the rest of the exec chain. */
const LAUNCHER_SHELL = '/bin/sh';

/**
 * Moves the shell itself into each cgroup ("0" = the writing thread), closes the
 * descriptors (nothing inside may move tasks), sets what prlimit would (file size
 * in 512-byte blocks, no core files, CPU seconds; soft and hard alike), drops the
 * variables sh itself exports, then execs the chain. A failed step stops it before bwrap starts: the run fails, never runs
 * outside its limits.
 */
function selfJoinScript(fds: readonly number[], rlimits: { fileBlocks: number; cpuSeconds: number }): string {
  const steps = [
    ...fds.map((fd) => `echo 0 >&${fd}`),
    `exec ${fds.map((fd) => `${fd}>&-`).join(' ')}`,
    `ulimit -f ${rlimits.fileBlocks}`,
    'ulimit -c 0',
    `ulimit -t ${rlimits.cpuSeconds}`,
    // sh exports the PWD it sets at start; bwrap's (the sandbox's PID 1) environment stays PATH alone.
    'unset PWD OLDPWD',
  ];
  return `${steps.join(' && ')} || { echo 'airlock: the sandbox could not join its cgroups or set its limits' >&2; exit 125; }; exec "$@"`;
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
  /** extra: stdio entries after bwrap's block fd (inherited descriptors covered, the launcher's `tasks` files). */
  feed: { args: Buffer; seccomp: Buffer | undefined; extra: Array<number | 'ignore'>; user: { uid: number; gid: number } | undefined },
  request: SandboxRequest,
  limits: SandboxLimits,
  cgroup: RunCgroup | undefined,
  /** `cgroup.procs` files the worker puts the sandbox's PID 1 into (none when the launcher joined itself). */
  workerJoins: readonly string[],
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
    stdio: [request.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', feed.seccomp ? 'pipe' : 'ignore', 'pipe', ...feed.extra],
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
          await Promise.all(workerJoins.map((procs) => writeFile(procs, String(sandbox))));
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
    const [diskFull, oomKills] = await Promise.all([watch?.full() ?? false, cgroup?.oomKills() ?? 0]);
    // A command that filled a tmpfs and then stopped (ENOSPC is an error to most programs) was ended by the disk limit.
    if (outcome.killedBy === null && diskFull) outcome.killedBy = 'disk';
    await watch?.close();
    if (outcome.killedBy === null && oomKills > 0) outcome.killedBy = 'memory';
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
