import { z } from 'zod';

const MiB = 1024 * 1024;
export const SANDBOX_RUN_MAX_MS = 4 * 60_000;

/** Per-run resource limits. Memory, pids and CPU need a cgroup (or prlimit for CPU time and process count). */
export const SandboxLimits = z
  .object({
    memoryBytes: z
      .number()
      .int()
      .min(16 * MiB)
      .default(256 * MiB),
    pids: z.number().int().min(4).max(4096).default(64),
    /** CPU bandwidth in cores (cgroup CPU quota). */
    cpus: z.number().positive().max(64).default(1),
    /** Per stream: stdout and stderr are each cut here and the run is killed. */
    maxOutputBytes: z.number().int().min(1024).default(MiB),
    /** Largest single file the sandbox may write (RLIMIT_FSIZE). */
    maxFileBytes: z
      .number()
      .int()
      .min(1024)
      .default(64 * MiB),
    /**
     * Size of /scratch, the working directory: a tmpfs of its own per run, in memory
     * (charged to the memory limit where a cgroup exists). Writing past it fails with
     * ENOSPC and the run is killed with `killedBy: 'disk'`.
     */
    scratchBytes: z
      .number()
      .int()
      .min(MiB)
      .default(64 * MiB),
    /** Size of the sandbox's private /tmp, also writable: a second tmpfs, same rules as /scratch. */
    tmpBytes: z
      .number()
      .int()
      .min(MiB)
      .default(64 * MiB),
  })
  .strict();
export type SandboxLimits = z.infer<typeof SandboxLimits>;

export const SandboxOptions = z
  .object({
    bwrapPath: z.string().min(1).default('/usr/bin/bwrap'),
    /** No longer used: a root worker spawns the launcher as `uid`/`gid` itself. Still accepted so existing configs keep parsing. */
    setprivPath: z.string().min(1).optional(),
    prlimitPath: z.string().min(1).default('/usr/bin/prlimit'),
    /** The host uid/gid bwrap runs as when the worker is root (a root-started bwrap keeps uid 0 on the host side). */
    uid: z.number().int().min(1).default(65534),
    gid: z.number().int().min(1).default(65534),
    /**
     * No longer used: /scratch is a sized tmpfs inside the sandbox, nothing of a run
     * is written on the host. Still accepted so existing configs keep parsing.
     */
    scratchRoot: z.string().min(1).optional(),
    /** Host files and directories mounted read-only (besides /usr and the /bin, /lib links). Missing ones are skipped. */
    readOnlyPaths: z.array(z.string().startsWith('/')).default(['/etc/ld.so.cache', '/etc/alternatives']),
    /** `auto`: cgroup v2 with delegated controllers, else v1, else prlimit. */
    limiter: z.enum(['auto', 'cgroup-v2', 'cgroup-v1', 'prlimit']).default('auto'),
    /** cgroup v2: a delegated cgroup to create run cgroups under (default: the worker's own cgroup). */
    cgroupParent: z.string().startsWith('/').optional(),
    /** Refuse to run when memory cannot be limited (no usable memory cgroup). */
    requireMemoryLimit: z.boolean().default(false),
    /** Prove the sandbox with a probe when it is created; a failed probe makes it unavailable. */
    selfTest: z.boolean().default(true),
    /**
     * Start the next run's sandbox ahead, set up like the last run's, so a run like it only hands over its
     * command line (see warm-command.ts). Off: every run starts its own sandbox from scratch.
     */
    warmStart: z.boolean().default(true),
    /**
     * The longest run a request may ask for (also the CPU-time limit of a warm sandbox). Bounded by the executor's
     * 5-minute activity timeout, with a minute to spare (TOOL_RUN_MAX_MS in @airlock/core, which this package does not
     * import; packages/tools/src/builtin/run-limit.unit.test.ts holds the two equal): a run allowed longer is timed out,
     * retried and run again.
     */
    maxTimeoutMs: z
      .number()
      .int()
      .positive()
      .max(SANDBOX_RUN_MAX_MS, `at most ${SANDBOX_RUN_MAX_MS} ms (4 minutes): a run must end inside the executor's 5-minute activity timeout`)
      .default(SANDBOX_RUN_MAX_MS),
    limits: SandboxLimits.prefault({}),
  })
  .strict();
export type SandboxOptions = z.infer<typeof SandboxOptions>;
export type SandboxOptionsInput = z.input<typeof SandboxOptions>;

export interface SandboxRequest {
  /** argv; argv[0] is looked up on the sandbox's PATH (/usr/bin:/bin). Never a shell string. */
  command: readonly string[];
  stdin?: string | Uint8Array;
  /** Wall-clock deadline; the whole sandbox is killed when it passes. */
  timeoutMs: number;
  /** Cancellation (Temporal's): kills the whole sandbox. */
  signal?: AbortSignal;
  /** Tighter limits for this run; never looser than the sandbox's own. */
  limits?: Partial<SandboxLimits>;
  /** Variables set inside; nothing is inherited from the worker. */
  env?: Record<string, string>;
  /** Output as it arrives (within the caps), e.g. for progress in heartbeats. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/** `disk`: /scratch or /tmp filled up (their tmpfs size, `scratchBytes` / `tmpBytes`). */
export type KilledBy = 'timeout' | 'memory' | 'output' | 'cancel' | 'disk';

export interface SandboxResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  killedBy: KilledBy | null;
  durationMs: number;
}

export type LimiterKind = 'cgroup-v2' | 'cgroup-v1' | 'prlimit';

/** What start-up detection found; exposed for health checks and metrics. */
export interface SandboxCapabilities {
  available: boolean;
  /** Why the sandbox refuses to run (fail closed), when unavailable. */
  reason?: string;
  bwrapVersion?: string;
  /** How the sandbox is made unprivileged on the host side. */
  uidSwitch: 'spawn-uid' | 'already-unprivileged';
  limiter?: LimiterKind;
  /** Which limits hold on this host. */
  enforced: { memory: boolean; pids: boolean; cpu: boolean; cpuTime: boolean; fileSize: boolean };
  disableUserns: boolean;
  /** Whether the seccomp filter is loaded (a syscall table exists for this architecture). */
  seccomp: boolean;
  notes: string[];
}

export interface SelfTestCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SelfTestReport {
  ok: boolean;
  checks: SelfTestCheck[];
  durationMs: number;
}

export interface Sandbox {
  readonly capabilities: SandboxCapabilities;
  /** Runs argv in a fresh sandbox; throws SandboxUnavailableError (fail closed) when the host cannot sandbox. */
  run(request: SandboxRequest): Promise<SandboxResult>;
  /**
   * This sandbox's run cgroups that still exist (none between runs). `scratchDirs`
   * is always empty now that scratch is a tmpfs inside the sandbox; kept for callers.
   */
  leftovers(): Promise<{ scratchDirs: string[]; cgroups: string[] }>;
  /** The start-up self-test's report, when it ran. */
  readonly selfTest?: SelfTestReport;
}

/** The sandbox cannot run here: risky tools are refused, never run unsandboxed. */
export class SandboxUnavailableError extends Error {
  override name = 'SandboxUnavailableError';
  constructor(reason: string) {
    super(`sandbox unavailable: ${reason}`);
  }
}

/** The sandbox itself failed to start a run (not the command inside it). */
export class SandboxLaunchError extends Error {
  override name = 'SandboxLaunchError';
}
