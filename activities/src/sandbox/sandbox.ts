import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, chown, constants, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { bwrapArgs, describeRootLinks, SANDBOX_PATH, type BwrapLayout } from './bwrap.js';
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
import { runSelfTest } from './self-test.js';

/** The launcher joins the run's cgroups before anything of the sandbox exists, then execs into it. */
const JOIN_CGROUPS = 'unset PWD OLDPWD; p=$$; while [ "$1" != "--" ]; do echo "$p" > "$1" || { echo "airlock-sandbox: cannot join cgroup $1" >&2; exit 125; }; shift; done; shift; exec "$@"';
const SCRATCH_DIR = 'airlock-sandbox';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * RLIMIT_NPROC (the fallback's process bound) counts every process of the sandbox
 * uid on the host, including each finished run's bwrap init until the host's init
 * reaps it (lazily on some hosts): headroom so back-to-back runs still start.
 */
const NPROC_HEADROOM = 256;
/** After the sandbox's init dies, its pipes close at once; this only bounds a pathological wait. */
const CLOSE_GRACE_MS = 5_000;

interface Plan {
  options: SandboxOptions;
  /** Runs in flight (their scratch and cgroups exist legitimately). */
  active: Set<string>;
  layout: BwrapLayout;
  cgroups?: CgroupLimiter;
  usePrlimit: boolean;
  setpriv: boolean;
  scratchParent: string;
}

const isExecutable = (p: string) =>
  access(p, constants.X_OK).then(
    () => true,
    () => false,
  );

function unavailable(reason: string, notes: string[] = [], partial: Partial<SandboxCapabilities> = {}): Sandbox {
  const capabilities: SandboxCapabilities = {
    uidSwitch: process.getuid?.() === 0 ? 'setpriv' : 'already-unprivileged',
    enforced: { memory: false, pids: false, cpu: false, cpuTime: false, fileSize: false },
    disableUserns: false,
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
  if (root && !(await isExecutable(options.setprivPath))) {
    return unavailable(`the worker runs as root and setpriv is missing at ${options.setprivPath}: bwrap would keep uid 0 on the host side`);
  }
  const help = await capture(options.bwrapPath, ['--help'], { PATH: SANDBOX_PATH });
  const version = await capture(options.bwrapPath, ['--version'], { PATH: SANDBOX_PATH });
  const layout: BwrapLayout = {
    rootLinks: await describeRootLinks(),
    readOnlyPaths: options.readOnlyPaths,
    disableUserns: help.stdout.includes('--disable-userns'),
  };
  if (!layout.disableUserns) notes.push('bwrap lacks --disable-userns (< 0.8): nested user namespaces stay possible inside');

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

  const scratchParent = path.join(options.scratchRoot, SCRATCH_DIR);
  await mkdir(scratchParent, { recursive: true, mode: 0o711 });
  // Scratch directories are bind-mounted writable: their parent must be ours alone, never a planted symlink.
  const parentStat = await lstat(scratchParent);
  if (!parentStat.isDirectory() || parentStat.uid !== process.getuid?.() || (parentStat.mode & 0o022) !== 0) {
    return unavailable(`${scratchParent} must be a directory owned by this worker and not group/world-writable`, notes);
  }
  await sweepStaleScratch(scratchParent);

  const plan: Plan = { options, active: new Set(), layout, usePrlimit: hasPrlimit, setpriv: root, scratchParent, ...(cgroups ? { cgroups } : {}) };
  const capabilities: SandboxCapabilities = {
    available: true,
    bwrapVersion: version.stdout.trim(),
    uidSwitch: root ? 'setpriv' : 'already-unprivileged',
    limiter: cgroups?.kind ?? 'prlimit',
    enforced: {
      memory: cgroups?.enforces.memory ?? false,
      pids: cgroups?.enforces.pids ?? hasPrlimit,
      cpu: cgroups?.enforces.cpu ?? false,
      cpuTime: hasPrlimit,
      fileSize: hasPrlimit,
    },
    disableUserns: layout.disableUserns,
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
        scratchDirs: (await readdir(scratchParent).catch(() => [] as string[]))
          .filter((n) => n.startsWith(`${process.pid}-`) && !plan.active.has(n))
          .map((n) => path.join(scratchParent, n)),
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

async function sweepStaleScratch(parent: string): Promise<void> {
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const owner = Number(name.split('-')[0]);
    if (!Number.isInteger(owner) || owner === process.pid) continue;
    try {
      process.kill(owner, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') await rm(path.join(parent, name), { recursive: true, force: true });
    }
  }
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

async function makeScratch(plan: Plan, runId: string): Promise<string> {
  const dir = path.join(plan.scratchParent, runId);
  await mkdir(dir, { mode: 0o700 });
  if (plan.setpriv) await chown(dir, plan.options.uid, plan.options.gid);
  return dir;
}

async function removeScratch(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch {
    // A non-root worker cannot descend into directories the sandbox made unreadable: give them back first.
    await chmodTree(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

async function chmodTree(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(() => undefined);
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) await chmodTree(path.join(dir, entry.name));
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
  let scratchDir: string | undefined;
  try {
    scratchDir = await makeScratch(plan, runId);
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
    const setpriv = plan.setpriv ? [options.setprivPath, `--reuid=${options.uid}`, `--regid=${options.gid}`, '--clear-groups', '--'] : [];
    const sandboxArgv = [
      ...prlimit,
      ...setpriv,
      options.bwrapPath,
      ...bwrapArgs(plan.layout, { scratchDir, tmpBytes: limits.tmpBytes, env: request.env ?? {} }),
      '--',
      ...request.command,
    ];
    const argv = cgroup ? ['/bin/sh', '-c', JOIN_CGROUPS, 'airlock-sandbox', ...cgroup.procsFiles, '--', ...sandboxArgv] : sandboxArgv;
    return await supervise(argv, request, limits, cgroup);
  } finally {
    await cgroup?.remove().catch(() => undefined);
    if (scratchDir) await removeScratch(scratchDir);
    plan.active.delete(runId);
  }
}

/** Starts the launcher in its own process group and watches it: deadline, output caps, cancellation. */
async function supervise(argv: string[], request: SandboxRequest, limits: SandboxLimits, cgroup: RunCgroup | undefined): Promise<SandboxResult> {
  const started = performance.now();
  const [file, ...args] = argv as [string, ...string[]];
  // Nothing of the worker's environment reaches the launcher: /proc/1/environ inside shows bwrap's.
  const child = spawn(file, args, {
    detached: true,
    cwd: '/',
    env: { PATH: SANDBOX_PATH },
    stdio: [request.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', 'pipe'],
  });

  // Set from event handlers; an object so the compiler does not narrow it to its initial value.
  const outcome: { killedBy: KilledBy | null } = { killedBy: null };
  let sandboxPid: number | undefined;
  let info = '';

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
  const infoStream = child.stdio[3] as Readable | null;
  infoStream?.on('data', (chunk: Buffer) => {
    info += chunk.toString();
    const pid = /"child-pid":\s*(\d+)/.exec(info)?.[1];
    if (pid) sandboxPid = Number(pid);
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
        // The PID namespace dies with bwrap; sweeping the cgroup too means nothing can hold the pipes open.
        // (No group kill here: once the launcher is reaped its pid, hence the group id, may be reused.)
        void cgroup?.killAll();
        setTimeout(() => {
          for (const stream of child.stdio) stream?.destroy();
        }, CLOSE_GRACE_MS).unref();
      });
      child.once('close', (code, signal) => resolve(exited ?? { code, signal }));
    });
    if (sandboxPid === undefined && outcome.killedBy === null) {
      // bwrap never reported a sandbox: it failed during setup (namespaces, mounts, cgroup join).
      throw new SandboxLaunchError(`the sandbox did not start (exit ${code ?? signal}): ${stderr.text().trim().slice(0, 2000)}`);
    }
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
