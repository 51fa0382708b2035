import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startProcess, type ExitStatus } from '@airlock/core/spawn';

export type { ExitStatus };

/** A child process whose output is kept (last lines) so a failure can show it, and waited on by line. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** Settles once the process has exited; never rejects. */
  readonly exited: Promise<ExitStatus>;
  isRunning(): boolean;
  /** The last lines it printed (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the first line matching `pattern`; rejects if the process ends first or after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs` if it is still there). */
  stop(signal: NodeJS.Signals, graceMs?: number): Promise<ExitStatus>;
}

const KEPT_LINES = 400;

export async function spawnChild(name: string, command: string, args: readonly string[], options: SpawnOptions): Promise<Child> {
  // Rejects at once (SpawnError) when the process cannot be started: nothing waits on a child that never ran.
  const { child, exited: processExited } = await startProcess(name, command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const onLine = (line: string) => {
    lines.push(line);
    if (lines.length > KEPT_LINES) lines.shift();
    for (const wake of waiters) wake();
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  let running = true;
  const exited = processExited.then((status) => {
    running = false;
    for (const wake of waiters) wake();
    return status;
  });
  const output = () => lines.join('\n');

  return {
    name,
    process: child,
    pid: child.pid!,
    exited,
    isRunning: () => running,
    output,
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const finish = (result: RegExpMatchArray | Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (result instanceof Error) reject(result);
          else resolve(result);
        };
        const timer = setTimeout(() => finish(new Error(`${name}: no line matched ${pattern} within ${timeoutMs} ms; output:\n${output()}`)), timeoutMs);
        const check = () => {
          for (const line of lines) {
            const match = line.match(pattern);
            if (match) return finish(match);
          }
          if (!running) finish(new Error(`${name} exited before printing ${pattern}; output:\n${output()}`));
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal, graceMs = 30_000) {
      if (!running) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
