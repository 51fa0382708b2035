import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import { access, constants, open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { argsPayload, bwrapArgs, describeRootLinks, FD, SANDBOX_PATH, type BwrapLayout } from './bwrap.js';
import { cgroupName, detectCgroupLimiter, type CgroupLimiter, type RunCgroup } from './cgroups.js';
import {
  SandboxLimits,
  SandboxOptions,
  SandboxUnavailableError,
  type Sandbox,
  type SandboxCapabilities,
  type SandboxOptionsInput,
  type SandboxRequest,
  type SandboxResult,
} from './options.js';
import { buildSeccompFilter, seccompArch } from './seccomp.js';
import { runSelfTest } from './self-test.js';
import { launch, type Launch } from './launch.js';
import { WARM_SCRIPT, WARM_SHELL, warmCommandLine } from './warm-command.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * RLIMIT_NPROC (the fallback's process bound) counts every process of the sandbox
 * uid on the host, including each finished run's bwrap init until the host's init
 * reaps it (lazily on some hosts): headroom so back-to-back runs still start.
 */
const NPROC_HEADROOM = 256;

interface Plan {
  options: SandboxOptions;
  /** Runs in flight (their cgroups exist legitimately). */
  active: Set<string>;
  /**
   * Names this sandbox's runs (`<pid>-<instance>-<run>`): cgroups are named by the process for the sweep of dead
   * workers' runs, and a process holding several sandboxes (the tests; a worker holds one) would otherwise count
   * another sandbox's runs, its warm one waiting for a command, as this one's leftovers.
   */
  instance: string;
  layout: BwrapLayout;
  cgroups?: CgroupLimiter;
  usePrlimit: boolean;
  /** The worker is root: the launcher is spawned as options.uid/gid, supplementary groups cleared. */
  switchUid: boolean;
  /** Descriptors the worker inherited without close-on-exec, each covered by /dev/null in the launcher (see inheritedDescriptors). */
  covered: Array<number | 'ignore'>;
  /** The next run's sandbox, started ahead with the sandbox's own limits (see warmUp); never used twice. */
  warm?: { limits: SandboxLimits; prepared: Promise<Prepared> };
  /** Only a sandbox in service keeps a warm one: one refused at start-up leaves nothing behind. */
  keepWarm: boolean;
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
    instance: randomBytes(4).toString('hex'),
    removals: new Set(),
    keepWarm: false,
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

  plan.keepWarm = options.warmStart;
  warmUp(plan, options.limits);
  const sandbox: Sandbox = {
    capabilities,
    run: (request) => runPlanned(plan, request),
    leftovers: async () => {
      await Promise.all(plan.removals);
      const activeCgroups = new Set([...plan.active].map(cgroupName));
      const ours = cgroupName(`${process.pid}-${plan.instance}-`);
      return {
        scratchDirs: [],
        cgroups: ((await cgroups?.leftovers()) ?? []).filter((dir) => path.basename(dir).startsWith(ours) && !activeCgroups.has(path.basename(dir))),
      };
    },
  };
  if (!options.selfTest) return sandbox;
  const report = await runSelfTest(sandbox);
  if (!report.ok) {
    const failed = report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    plan.keepWarm = false;
    const { warm } = plan;
    plan.warm = undefined;
    await coolDown(plan, warm);
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

/** A cold run's launch, or a warm one a run took: its cgroup is removed once the run is over. */
interface Prepared {
  runId: string;
  limits: SandboxLimits;
  cgroup: RunCgroup | undefined;
  launch: Launch;
}

async function runPlanned(plan: Plan, request: SandboxRequest): Promise<SandboxResult> {
  const { options } = plan;
  validateRequest(request, options.maxTimeoutMs);
  // Looked at again by the launch as the command is let go (launch.ts run): a cancellation landing during the awaits below counts too.
  if (request.signal?.aborted) throw new Error('sandbox: cancelled before start');
  const limits = effectiveLimits(options.limits, request.limits);
  const cpuSeconds = cpuSecondsFor(request.timeoutMs);

  const warm = takeWarm(plan, limits);
  if (warm) {
    const prepared = await warm.catch(() => undefined);
    prepared?.launch.claim();
    // A warm sandbox that died or failed while it waited is dropped; the run starts cold, as if there had been none.
    if (prepared && (await prepared.launch.ready)) {
      const input = warmCommandLine(request.command, request.env ?? {}, cpuSeconds);
      return settle(plan, prepared, limits, () => prepared.launch.run(request, { maxOutputBytes: limits.maxOutputBytes, input }));
    }
    if (prepared) await retire(plan, prepared);
  }
  const runId = newRunId(plan);
  plan.active.add(runId);
  let prepared: Prepared | undefined;
  try {
    prepared = await prepare(plan, runId, limits, {
      command: request.command,
      env: request.env ?? {},
      cpuSeconds,
      stdin: request.stdin === undefined ? 'ignore' : 'pipe',
      idle: false,
    });
  } catch (error) {
    plan.active.delete(runId);
    throw error;
  }
  const cold = prepared;
  return settle(plan, cold, limits, () => cold.launch.run(request, { maxOutputBytes: limits.maxOutputBytes }));
}

// CPU time only as a backstop: the wall-clock deadline normally fires first.
const cpuSecondsFor = (timeoutMs: number) => Math.ceil(timeoutMs / 1000) + 1;

const newRunId = (plan: Plan) => `${process.pid}-${plan.instance}-${randomBytes(8).toString('hex')}`;

/**
 * Makes the run's cgroup and starts the launcher: a cold run's with its own
 * command, a warm one's with the fixed line that waits for its command (warm-command.ts).
 */
async function prepare(
  plan: Plan,
  runId: string,
  limits: SandboxLimits,
  run: { command: readonly string[]; env: Record<string, string>; cpuSeconds: number; stdin: 'pipe' | 'ignore'; idle: boolean },
): Promise<Prepared> {
  const { options } = plan;
  const cgroup = plan.cgroups ? await plan.cgroups.create(runId, limits) : undefined;
  let joinHandles: FileHandle[] = [];
  try {
    // cgroup v1: the launcher is a fixed sh line that moves itself into the run's cgroups (see selfJoinFiles) and sets the
    // rlimits with its own ulimit, then execs bwrap: bwrap and everything it forks start inside, one exec fewer than prlimit.
    // Otherwise prlimit (when present) execs bwrap, and the worker puts the sandbox's PID 1 into the cgroup (v2) while
    // bwrap waits on the block fd. The uid switch is spawn's own (setgid, setgroups(0), setuid before exec).
    joinHandles = await Promise.all((cgroup?.selfJoinFiles ?? []).map((file) => open(file, constants.O_WRONLY)));
    const selfJoining = joinHandles.length > 0;
    const prlimit =
      plan.usePrlimit && !selfJoining
        ? [options.prlimitPath, `--fsize=${limits.maxFileBytes}`, '--core=0', `--cpu=${run.cpuSeconds}`, ...(cgroup ? [] : [`--nproc=${limits.pids + NPROC_HEADROOM}`]), '--']
        : [];
    // Right after bwrap's fds (at most three: memory, pids, cpu): dash takes one-digit descriptors only. A covered inherited
    // descriptor at the same number is replaced by the `tasks` file, which the launcher closes: it does not reach the sandbox either.
    const joinFds = joinHandles.map((_, i) => FD.block + 1 + i);
    const launcher = selfJoining
      ? [LAUNCHER_SHELL, '-c', selfJoinScript(joinFds, { fileBlocks: Math.floor(limits.maxFileBytes / 512), cpuSeconds: run.cpuSeconds }), 'airlock-launcher']
      : prlimit;
    const argv = [...launcher, options.bwrapPath, '--args', String(FD.args), '--', ...run.command];
    const bwrap = argsPayload(bwrapArgs(plan.layout, { scratchBytes: limits.scratchBytes, tmpBytes: limits.tmpBytes, env: run.env }));
    const user = plan.switchUid ? { uid: options.uid, gid: options.gid } : undefined;
    const extra: Array<number | 'ignore'> = plan.covered.slice(FD.block + 1);
    for (const [i, handle] of joinHandles.entries()) extra[i] = handle.fd;
    const workerJoins = selfJoining ? [] : (cgroup?.procsFiles ?? []);
    const started = launch(argv, { args: bwrap, seccomp: plan.layout.seccomp, extra, user, workerJoins, stdin: run.stdin, idle: run.idle }, limits, cgroup);
    return { runId, limits, cgroup, launch: started };
  } catch (error) {
    await cgroup?.remove().catch(() => undefined);
    throw error;
  } finally {
    // The launcher holds its own copies from the spawn on (spawn returns once the child has exec'd).
    for (const handle of joinHandles) await handle.close().catch(() => undefined);
  }
}

/**
 * Runs `work` on a prepared launch, then makes sure nothing of it is left (see
 * retire) and starts the next run's sandbox, set up like this one.
 */
async function settle<T>(plan: Plan, prepared: Prepared, limits: SandboxLimits, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    await retire(plan, prepared, () => Promise.resolve());
    warmUp(plan, limits);
  }
}

/**
 * What is left in the launch's cgroup is killed before the result is returned;
 * removing the empty directories (a few ms of kernel work per v1 hierarchy)
 * happens after, and leftovers() waits for it. `end` stops a launch no run took.
 */
async function retire(plan: Plan, prepared: Prepared, end: () => Promise<void> = () => prepared.launch.discard()): Promise<void> {
  await end();
  const { cgroup, runId } = prepared;
  await cgroup?.killAll().catch(() => undefined);
  const removal = (cgroup ? cgroup.remove().catch(() => undefined) : Promise.resolve()).finally(() => {
    plan.active.delete(runId);
    plan.removals.delete(removal);
  });
  plan.removals.add(removal);
}

/** The warm sandbox when it is set up as this run needs (it is taken: never used twice), else none. */
function takeWarm(plan: Plan, limits: SandboxLimits): Promise<Prepared> | undefined {
  const { warm } = plan;
  if (!warm || !sameSetup(warm.limits, limits)) return undefined;
  plan.warm = undefined;
  return warm.prepared;
}

/** The limits a sandbox is built with (cgroup values, tmpfs sizes, the file-size rlimit); the output cap is the run's alone. */
const sameSetup = (a: SandboxLimits, b: SandboxLimits) =>
  a.memoryBytes === b.memoryBytes && a.pids === b.pids && a.cpus === b.cpus && a.maxFileBytes === b.maxFileBytes && a.scratchBytes === b.scratchBytes && a.tmpBytes === b.tmpBytes;

/**
 * Starts the next run's sandbox ahead, set up like the last run's (a worker's
 * tools ask for the same limits run after run; the first is the sandbox's own):
 * cgroup, launcher, namespaces, mounts and the disk watch are ready when the run
 * comes, which then only writes its command line and lets it go. Its CPU-time
 * limit is the longest a run may ask for; the run's line lowers it. A warm
 * sandbox set up otherwise is replaced.
 */
function warmUp(plan: Plan, limits: SandboxLimits): void {
  if (!plan.keepWarm || (plan.warm && sameSetup(plan.warm.limits, limits))) return;
  const stale = plan.warm;
  const runId = newRunId(plan);
  plan.active.add(runId);
  const prepared = prepare(plan, runId, limits, {
    command: [WARM_SHELL, '-c', WARM_SCRIPT, 'airlock-run'],
    env: {},
    cpuSeconds: cpuSecondsFor(plan.options.maxTimeoutMs),
    stdin: 'pipe',
    idle: true,
  });
  prepared.catch(() => plan.active.delete(runId));
  plan.warm = { limits, prepared };
  if (stale) void coolDown(plan, stale);
}

/** Stops a warm sandbox no run took (replaced, or a sandbox refused by its self-test keeps none). */
async function coolDown(plan: Plan, warm: Plan['warm']): Promise<void> {
  const prepared = await warm?.prepared.catch(() => undefined);
  if (prepared) await retire(plan, prepared);
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
