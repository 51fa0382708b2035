import { spawn, type ChildProcess } from 'node:child_process';
import { open, statfs, writeFile, type FileHandle } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { FD, SANDBOX_PATH, SCRATCH_MOUNT } from './bwrap.js';
import type { RunCgroup } from './cgroups.js';
import { SandboxLaunchError, type KilledBy, type SandboxLimits, type SandboxRequest, type SandboxResult } from './options.js';

/** After the sandbox's init dies, its pipes close at once; this only bounds a pathological wait. */
const CLOSE_GRACE_MS = 5_000;
/** How often the worker looks at the tmpfs' free space while a run is in flight. */
const DISK_POLL_MS = 50;
/** How long the worker waits for bwrap's mounts before letting the command run without a disk watch. */
const MOUNT_WAIT_MS = 5_000;
// statfs f_type of a tmpfs (linux/magic.h).
const TMPFS_MAGIC = 0x01021994;

/** What the launcher is handed besides its argv. */
export interface LaunchFeed {
  /** bwrap's arguments, for its `--args` pipe. */
  args: Buffer;
  seccomp: Buffer | undefined;
  /** stdio entries after bwrap's block fd (inherited descriptors covered, the launcher's `tasks` files). */
  extra: Array<number | 'ignore'>;
  user: { uid: number; gid: number } | undefined;
  /** `cgroup.procs` files the worker puts the sandbox's PID 1 into (none when the launcher joined itself). */
  workerJoins: readonly string[];
  /** A pipe when something will be written to stdin (the request's input, or a warm sandbox's command line). */
  stdin: 'pipe' | 'ignore';
  /**
   * A warm sandbox waits, maybe for long, before a run takes it: until then it must not keep the worker's
   * event loop alive (a CLI or a test that created a sandbox still exits).
   */
  idle: boolean;
}

/** One bwrap process, from its spawn to its result. */
export interface Launch {
  /** Resolves true once the sandbox's mounts are up and it waits on its block fd; false if it ended or failed first. */
  readonly ready: Promise<boolean>;
  /** A run took this (idle) launch: from now on it holds the event loop open like any run in flight. */
  claim(): void;
  /**
   * Lets the command go (`input` first on stdin, then the request's stdin) and supervises it: deadline, output caps
   * (the run's own: nothing is output before it), disk, cancellation.
   */
  run(request: SandboxRequest, run: { maxOutputBytes: number; input?: Buffer }): Promise<SandboxResult>;
  /** Kills a launch no run will take; resolves once it has ended. */
  discard(): Promise<void>;
}

class OutputCollector {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(
    public cap: number,
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

/** Holds (or stops holding) the worker's event loop open for the child and its pipes. */
function holdLoop(child: ChildProcess, hold: boolean): void {
  if (hold) child.ref();
  else child.unref();
  for (const stream of child.stdio) {
    const handle = stream as unknown as { ref?: () => void; unref?: () => void } | null;
    if (hold) handle?.ref?.();
    else handle?.unref?.();
  }
}

/**
 * Starts the launcher in its own process group. bwrap reports the sandbox's pid
 * on the info fd, then waits on the block fd with its mounts in place: the
 * worker then puts that pid in the run's cgroups (v2), opens the tmpfs to watch,
 * and lets the command go once `run` is called (at once for a cold run; when a
 * run takes it, for a warm one).
 */
export function launch(argv: string[], feed: LaunchFeed, limits: SandboxLimits, cgroup: RunCgroup | undefined): Launch {
  const [file, ...args] = argv as [string, ...string[]];
  // Nothing of the worker's environment reaches the launcher: /proc/1/environ inside shows bwrap's.
  const child = spawn(file, args, {
    detached: true,
    cwd: '/',
    ...feed.user,
    env: { PATH: SANDBOX_PATH },
    // stdin, stdout, stderr, then bwrap's info, args, seccomp and block fds.
    stdio: [feed.stdin, 'pipe', 'pipe', 'pipe', 'pipe', feed.seccomp ? 'pipe' : 'ignore', 'pipe', ...feed.extra],
  });
  if (feed.idle) holdLoop(child, false);
  // A bwrap that fails early closes its end: the writes below must not crash the worker.
  const writable = (fd: number) => {
    const stream = child.stdio[fd] as Writable | null;
    stream?.on('error', () => undefined);
    return stream;
  };
  writable(FD.args)?.end(feed.args);
  if (feed.seccomp) writable(FD.seccomp)?.end(feed.seccomp);
  const block = writable(FD.block);
  const stdin = writable(0);

  // Set from event handlers; an object so the compiler does not narrow it to its initial value.
  const outcome: { killedBy: KilledBy | null } = { killedBy: null };
  let sandboxPid: number | undefined;
  let info = '';
  let disk: Promise<DiskWatch | undefined> | undefined;
  let joinError: string | undefined;
  let diskTimer: NodeJS.Timeout | undefined;
  let onOutput: SandboxRequest['onOutput'];
  let mountsReady = false;
  let goRequested = false;
  let released = false;
  const stopWaiting = new AbortController();
  let markReady: (ready: boolean) => void = () => undefined;
  const ready = new Promise<boolean>((resolve) => (markReady = resolve));

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
    if (kept?.length) onOutput?.(stream, kept);
  };
  child.stdout?.on('data', (chunk: Buffer) => forward('stdout', stdout.push(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => forward('stderr', stderr.push(chunk)));

  /** Ends the block once the mounts are watched and a run has asked: the command starts. */
  const release = () => {
    if (released || !mountsReady || !goRequested) return;
    released = true;
    block?.end('x');
    void disk?.then((watch) => {
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
    });
  };

  const infoStream = child.stdio[FD.info] as Readable | null;
  infoStream?.on('data', (chunk: Buffer) => {
    info += chunk.toString();
    const pid = /"child-pid":\s*(\d+)/.exec(info)?.[1];
    if (!pid || sandboxPid !== undefined) return;
    sandboxPid = Number(pid);
    const sandbox = sandboxPid;
    // bwrap's child (the sandbox's PID 1) waits on the block fd once its mounts are in place: put it in the run's
    // cgroups (what it forks next, the command, starts inside), open the tmpfs to watch, then let the command run.
    // The cgroup writes (a v1 migration each, under a global lock) and bwrap's mount set-up overlap.
    disk = DiskWatch.open(sandbox, [limits.scratchBytes, limits.tmpBytes], AbortSignal.any([stopWaiting.signal, AbortSignal.timeout(MOUNT_WAIT_MS)]));
    void (async () => {
      try {
        await Promise.all(feed.workerJoins.map((procs) => writeFile(procs, String(sandbox))));
      } catch (error) {
        // A sandbox already being killed (a cancellation before its command started) may be gone before it joined: not a launch failure.
        if (outcome.killedBy !== null) return;
        joinError = error instanceof Error ? error.message : String(error);
        killEverything('cancel');
        return;
      }
      await disk;
      mountsReady = true;
      markReady(launcherRunning());
      release();
    })();
  });

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.once('error', (error) => {
      markReady(false);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      markReady(false);
      stopWaiting.abort();
      // The PID namespace dies with bwrap; sweeping the cgroup too means nothing can hold the pipes open.
      // (No group kill here: once the launcher is reaped its pid, hence the group id, may be reused.)
      void cgroup?.killAll();
      setTimeout(() => {
        for (const stream of child.stdio) stream?.destroy();
      }, CLOSE_GRACE_MS).unref();
    });
    child.once('close', (code, signal) => resolve(exit ?? { code, signal }));
  });
  // Awaited by run or discard; a warm launch that dies unused must not be an unhandled rejection.
  exited.catch(() => undefined);

  const cleanUp = () => {
    clearTimeout(diskTimer);
    stopWaiting.abort();
    void disk?.then((watch) => watch?.close());
  };

  let held = !feed.idle;
  const claim = () => {
    if (held) return;
    held = true;
    holdLoop(child, true);
  };

  return {
    ready,
    claim,
    async run(request, { maxOutputBytes, input }) {
      const started = performance.now();
      claim();
      onOutput = request.onOutput;
      stdout.cap = stderr.cap = maxOutputBytes;
      if (stdin) {
        if (input) stdin.write(input);
        stdin.end(request.stdin);
      }
      const timer = setTimeout(() => killEverything('timeout'), request.timeoutMs);
      const onAbort = () => killEverything('cancel');
      request.signal?.addEventListener('abort', onAbort, { once: true });
      // An abort that landed while the run awaited its sandbox (warm one, cgroup, mounts) never fires a listener added
      // after it: looked at here, the last step before the command is let go, it kills the sandbox before the command starts.
      if (request.signal?.aborted) killEverything('cancel');
      else {
        goRequested = true;
        release();
      }
      try {
        const { code, signal } = await exited;
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
        cleanUp();
        request.signal?.removeEventListener('abort', onAbort);
      }
    },
    async discard() {
      killEverything('cancel');
      await exited.catch(() => undefined);
      cleanUp();
    },
  };
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
