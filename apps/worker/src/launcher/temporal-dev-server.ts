import { readFile, rm, writeFile } from 'node:fs/promises';
import { makeDirectory } from '@airlock/core/make-directory';
import path from 'node:path';
import { forgetEmbeddedTemporal, recordEmbeddedTemporal } from '@airlock/core/embedded-temporal';
import { assertPortFree, waitForPort } from './ports.js';
import { describeExit, spawnManaged, stopLeftover, type ManagedProcess } from './processes.js';

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
 * The dev server's settings for Airlock (`npm start`; the integration tests' servers keep the stock ones, which
 * ran the tier faster: test/src/support/global-setup.ts):
 * - an activity scheduled by a workflow task (a decision's recording, the approved run) comes back
 *   in that task's completion reply instead of through a task-queue poll (off by default);
 * - workflow and activity tasks are dispatched as they are created, not at the next of the transfer
 *   queue's 20 polls a second (a wait of up to 50 ms at each step; bench/README.md, "fast dispatch").
 *   An idle server does not poll more for it: 3.08 s of CPU over 8 idle minutes against 3.12 s without
 *   (6 Dec 2026, two servers side by side).
 */
const DEV_SERVER_DYNAMIC_CONFIG: readonly string[] = [
  '--dynamic-config-value',
  'system.enableActivityEagerExecution=true',
  '--dynamic-config-value',
  'history.transferProcessorMaxPollRPS=1000',
];

/**
 * Runs `temporal server start-dev` with its state in <dataDir>/temporal.db, so
 * workflows, timers and histories survive a restart, and waits until its
 * frontend accepts connections. Its chatty output goes to <dataDir>/logs/temporal.log.
 * Once ready, <dataDir>/temporal.json records where it listens (the CLI's default
 * Temporal); stopping it removes the record.
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const dbFile = path.join(options.dataDir, 'temporal.db');
  const pidFile = path.join(options.dataDir, 'temporal.pid');
  const logFile = path.join(options.dataDir, 'logs', 'temporal.log');
  await makeDirectory(path.dirname(logFile));
  await stopLeftoverDevServer(pidFile, dbFile, options.log);
  await assertPortFree(HOST, options.port, 'AIRLOCK_TEMPORAL_PORT');
  await assertPortFree(HOST, options.uiPort, 'AIRLOCK_TEMPORAL_UI_PORT');

  const args = [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    '--ip',
    HOST,
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
    ...DEV_SERVER_DYNAMIC_CONFIG,
  ];
  const server = await spawnManaged('Temporal dev server', options.cli, args, { env: options.env, logFile });
  await writeFile(pidFile, `${server.pid}\n`);
  const address = `${HOST}:${options.port}`;
  const stop = async () => {
    await forgetEmbeddedTemporal(options.dataDir);
    await server.stop({ signal: 'SIGTERM', graceMs: 15_000 });
    await rm(pidFile, { force: true });
  };

  try {
    await waitForPort({
      host: HOST,
      port: options.port,
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      ...(options.signal ? { signal: options.signal } : {}),
      gaveUp: server.exited.then((status) => `the Temporal dev server exited (${describeExit(status)}) before accepting connections:\n${server.recentOutput()}`),
    });
    await recordEmbeddedTemporal(options.dataDir, { pid: server.pid, address, namespace: options.namespace, dbFile });
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, uiUrl: `http://localhost:${options.uiPort}`, logFile, process: server, stop };
}

/** A dev server orphaned by a launcher that was killed outright still holds the port and the SQLite file. */
async function stopLeftoverDevServer(pidFile: string, dbFile: string, log: (line: string) => void): Promise<void> {
  const pid = Number.parseInt(await readFile(pidFile, 'utf8').catch(() => ''), 10);
  if (Number.isInteger(pid) && (await stopLeftover(pid, dbFile, 'SIGTERM'))) {
    log(`stopped a Temporal dev server (pid ${pid}) left running by an earlier launcher`);
  }
  await rm(pidFile, { force: true });
  await forgetEmbeddedTemporal(path.dirname(pidFile));
}
