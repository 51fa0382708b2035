import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandLineOf, isProcessAlive, startProcess, type ExitStatus } from '@airlock/core/spawn';

export type { ExitStatus };

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Settles when the process has exited; never rejects. */
  readonly exited: Promise<ExitStatus>;
  /** The last lines it printed, for error messages. */
  recentOutput(): string;
  /** Signals its whole process group, waits, then SIGKILLs the group after `graceMs`. */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<ExitStatus>;
}

export interface SpawnOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Every output line is appended here (a log file under the data dir). */
  logFile?: string;
  /** Every output line is also passed here (e.g. errors echoed with a prefix). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Run as this user and group (root only): PostgreSQL refuses to run as root. */
  uid?: number;
  gid?: number;
}

const RECENT_LINES = 30;

// Children that are still running: the force path and the exit safety net kill these.
const live = new Set<ManagedProcess>();
let exitNetInstalled = false;

/**
 * Spawns a child in its own process group, so a terminal Ctrl-C reaches only the
 * launcher, which then stops children in order; stopping signals the whole group
 * so nothing the child started outlives it.
 */
export async function spawnManaged(name: string, command: string, args: readonly string[], options: SpawnOptions): Promise<ManagedProcess> {
  installExitNet();
  // Rejects at once (SpawnError) when it cannot be started at all.
  const {
    child,
    pid,
    exited: processExited,
  } = await startProcess(name, command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
  });

  const log: WriteStream | undefined = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const recent: string[] = [];
  const onLine = (stream: 'stdout' | 'stderr') => (line: string) => {
    recent.push(line);
    if (recent.length > RECENT_LINES) recent.shift();
    log?.write(`${line}\n`);
    options.onLine?.(line, stream);
  };
  const outputDone = Promise.all([readLines(child.stdout, onLine('stdout')), readLines(child.stderr, onLine('stderr'))]);

  let done = false;
  const exited = processExited.then(async (status) => {
    live.delete(managed);
    // Let the pipes drain so recentOutput() is complete; a grandchild holding them must not block us.
    await Promise.race([outputDone, sleep(1_000)]);
    log?.end();
    done = true;
    return status;
  });

  const managed: ManagedProcess = {
    name,
    pid,
    exited,
    recentOutput: () => recent.join('\n'),
    async stop({ signal = 'SIGTERM', graceMs = 15_000 } = {}) {
      if (done) return exited;
      signalGroup(pid, signal);
      const status = await Promise.race([exited, sleep(graceMs).then(() => undefined)]);
      if (status) return status;
      signalGroup(pid, 'SIGKILL');
      return exited;
    },
  };
  live.add(managed);
  return managed;
}

export function describeExit(status: ExitStatus): string {
  return status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`;
}

/** Kills every live child's process group at once: the second Ctrl-C, or a crash. */
export function killAllManaged(): void {
  for (const managed of live) signalGroup(managed.pid, 'SIGKILL');
}

function installExitNet(): void {
  if (exitNetInstalled) return;
  exitNetInstalled = true;
  // Synchronous on purpose: on exit no more async work runs, but kill() still does.
  process.on('exit', killAllManaged);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function readLines(stream: Readable | null, onLine: (line: string) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', onLine);
  return new Promise((resolve) => lines.once('close', resolve));
}

/** Resolves true once `pid` is gone, false if it still runs after `timeoutMs`. */
export async function waitForPidExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * The command line of a running process (Linux /proc), or undefined where it
 * cannot be read. Used to make sure a pid from a pid file is still the process
 * we started, not an unrelated one that reused the number.
 */

/**
 * Stops a process left running by an earlier launcher that was killed outright
 * (SIGKILL, power loss), identified by its pid file and a marker in its command
 * line. Returns whether one was found.
 */
export async function stopLeftover(pid: number, marker: string, signal: NodeJS.Signals, timeoutMs = 15_000): Promise<boolean> {
  const commandLine = commandLineOf(pid);
  if (!commandLine?.includes(marker)) return false;
  try {
    process.kill(pid, signal);
  } catch {
    return false;
  }
  if (!(await waitForPidExit(pid, timeoutMs))) {
    process.kill(pid, 'SIGKILL');
    await waitForPidExit(pid, 5_000);
  }
  return true;
}
