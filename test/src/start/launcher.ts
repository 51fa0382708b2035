import type { ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { startProcess } from '@airlock/core/spawn';
import { repoRoot } from '../support/binaries.js';

/** `npx tsx apps/worker/src/start.ts` as a user runs it, in its own process group (as a terminal would). */
export interface Launch {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first line matching `pattern`; rejects if the launcher ends first or on timeout. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Settles once the process has exited and every writer of its output (the launcher itself) is gone. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function launch(env: NodeJS.ProcessEnv, options: { cwd?: string; withoutNpx?: boolean } = {}): Promise<Launch> {
  const cwd = options.cwd ?? repoRoot;
  // withoutNpx: node itself, for an environment whose PATH holds no npx (nor anything else).
  const [command, args] = options.withoutNpx ? [process.execPath, ['--import', 'tsx', 'apps/worker/src/start.ts']] : ['npx', ['tsx', 'apps/worker/src/start.ts']];
  // Rejects at once when the launcher itself cannot be started.
  const { child } = await startProcess('the launcher', command, args, {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const onLine = (line: string) => {
    lines.push(line);
    for (const wake of waiters) wake();
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  let ended = false;
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      ended = true;
      for (const wake of waiters) wake();
      resolve({ code, signal });
    });
  });
  const output = () => lines.join('\n');

  return {
    child,
    output,
    closed,
    waitForLine(pattern, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no line matched ${pattern} within ${timeoutMs} ms; output:\n${output()}`)), timeoutMs);
        const finish = (result: RegExpMatchArray | Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (result instanceof Error) reject(result);
          else resolve(result);
        };
        const check = () => {
          for (const line of lines) {
            const match = line.match(pattern);
            if (match) return finish(match);
          }
          if (ended) finish(new Error(`the launcher ended before printing ${pattern}; output:\n${output()}`));
        };
        waiters.add(check);
        check();
      });
    },
  };
}

export interface ProcessInfo {
  pid: number;
  command: string;
}

/**
 * Every process on the machine carrying `AIRLOCK_DATA_DIR=<dataDir>` in its
 * environment: the launcher and everything it started (Temporal, PostgreSQL and
 * its backends), however they were spawned. Linux /proc.
 */
export async function processesUsing(dataDir: string): Promise<ProcessInfo[]> {
  const marker = `\0AIRLOCK_DATA_DIR=${dataDir}\0`;
  const found: ProcessInfo[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = `\0${await readFile(`/proc/${entry}/environ`, 'utf8')}`;
      if (!environ.includes(marker)) continue;
      const command = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').join(' ').trim();
      // A zombie has an empty command line and holds nothing.
      if (command) found.push({ pid: Number(entry), command });
    } catch {
      // Exited while we looked, or not ours to read.
    }
  }
  return found;
}
