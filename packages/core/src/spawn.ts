import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

// Every child process Airlock and its tests start goes through here (a lint rule
// keeps `spawn` out of everywhere else). Node reports a child that never started
// (EACCES, ENOENT, a uid it may not take) as an 'error' event instead of an exit:
// a caller that waits on 'exit' alone would wait forever, and one with no 'error'
// listener crashes with a stack trace. Here that is a rejection at once, with a
// sentence saying what could not be started and why.

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child that did start: the process, and a promise of its exit (never rejects). */
export interface StartedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
}

/** The process could not be started at all. */
export class SpawnError extends Error {
  override readonly name = 'SpawnError';
  constructor(
    /** What was being started, in words: "the Temporal dev server". */
    readonly what: string,
    readonly command: string,
    /** errno code: EACCES, ENOENT, EPERM, ... */
    readonly code: string | undefined,
    cause: Error,
  ) {
    super(`could not start ${what} (${command}): ${explain(code, cause)}`, { cause });
  }
}

function explain(code: string | undefined, cause: Error): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file, or its #! interpreter or working directory is missing';
    case 'EACCES':
      return 'permission denied: the file, or a directory above it, may not be executed by the user it runs as';
    case 'ENOEXEC':
      return 'not a program this system can run (wrong format or architecture)';
    case 'EPERM':
      return 'operation not permitted (changing to another user needs root)';
    default:
      return cause.message;
  }
}

/**
 * Spawns `command` and resolves once it is running; rejects with a SpawnError
 * at once when it cannot be started. `what` names it in messages.
 */
export function startProcess(what: string, command: string, args: readonly string[], options: SpawnOptions = {}): Promise<StartedProcess> {
  let child: ChildProcess;
  try {
    child = spawn(command, args, options);
  } catch (error) {
    // Synchronous failures: bad arguments, a uid that is not a number.
    const cause = error instanceof Error ? error : new Error(String(error));
    return Promise.reject(new SpawnError(what, command, (cause as NodeJS.ErrnoException).code, cause));
  }
  const exited = exitOf(child);
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      child.off('spawn', onSpawn);
      reject(new SpawnError(what, command, error.code, error));
    };
    const onSpawn = () => {
      child.off('error', onError);
      // Later errors (a signal that could not be sent, a pipe torn down) must not crash the process;
      // the exit status tells the caller what happened.
      child.on('error', () => undefined);
      resolve({ child, pid: child.pid!, exited });
    };
    child.once('error', onError);
    child.once('spawn', onSpawn);
  });
}

/** Runs `command` to completion, collecting its output; rejects with a SpawnError when it cannot be started. */
export async function runProcess(
  what: string,
  command: string,
  args: readonly string[],
  options: Omit<SpawnOptions, 'stdio'> & { input?: string } = {},
): Promise<ExitStatus & { stdout: string; stderr: string }> {
  const { input, ...spawnOptions } = options;
  const { child, exited } = await startProcess(what, command, args, { ...spawnOptions, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (input !== undefined && child.stdin) {
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  }
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const status = await exited;
  await closed;
  return { ...status, stdout, stderr };
}

function exitOf(child: ChildProcess): Promise<ExitStatus> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // A child that never started emits 'error' and no 'exit'.
    child.once('error', () => {
      if (child.pid === undefined) resolve({ code: null, signal: null });
    });
  });
}

/** A process's command line, its arguments joined by spaces; undefined where /proc cannot be read (another OS, hidepid) or the process is gone. */
export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** Whether a process runs (a pid file's server, say): EPERM means it does, as another account. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
