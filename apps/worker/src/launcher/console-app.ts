import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { consoleDir } from './paths.js';
import { assertPortFree, waitForPort } from './ports.js';
import { describeExit, spawnManaged, type ManagedProcess } from './processes.js';

export const CONSOLE_BUILD_COMMAND = 'npx turbo run build --filter=@airlock/console';

/** `next build` writes BUILD_ID last, so its presence means a complete build. */
export function consoleIsBuilt(): boolean {
  return existsSync(path.join(consoleDir, '.next', 'BUILD_ID'));
}

export interface ConsoleOptions {
  port: number;
  /** What the console reads: DATABASE_URL, TEMPORAL_*, AIRLOCK_CONSOLE_PORT and AIRLOCK_LOG_FORMAT, on top of the inherited env. */
  env: NodeJS.ProcessEnv;
  logFile: string;
  signal?: AbortSignal;
}

export interface RunningConsole {
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** `next start` from apps/console, run directly (no npm in between) so signals reach it unrelayed. */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  await assertPortFree('127.0.0.1', options.port, 'AIRLOCK_CONSOLE_PORT');
  const nextBin = createRequire(path.join(consoleDir, 'package.json')).resolve('next/dist/bin/next');
  const server = await spawnManaged('console', process.execPath, [nextBin, 'start', '--port', String(options.port)], {
    cwd: consoleDir,
    env: { ...options.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
    logFile: options.logFile,
    // Its log stays in the log file; its warnings and errors (stderr, already in the launcher's log format) show here too.
    onLine: (line, stream) => {
      if (stream === 'stderr') process.stderr.write(`${line}\n`);
    },
  });
  const stop = async () => {
    await server.stop({ signal: 'SIGTERM', graceMs: 10_000 });
  };
  try {
    await waitForPort({
      host: '127.0.0.1',
      port: options.port,
      timeoutMs: 60_000,
      ...(options.signal ? { signal: options.signal } : {}),
      gaveUp: server.exited.then((status) => `the console exited (${describeExit(status)}) during start-up:\n${server.recentOutput()}`),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: consoleUrl(options.port), process: server, stop };
}

/** Where the embedded console answers on this machine. */
export function consoleUrl(port: number): string {
  return `http://localhost:${port}`;
}
