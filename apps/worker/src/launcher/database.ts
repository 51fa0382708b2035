import path from 'node:path';
import { createDb, migrate, type Db, type StatementMode } from '@airlock/db';
import { embeddedClusterDir, readPostmaster, startEmbeddedPostgres } from '@airlock/db/embedded';
import { externalDatabaseOf, forgetExternalDatabase, forgetExternalDatabaseNow, recordExternalDatabase } from '@airlock/core/external-database';
import { assertPortFree } from './ports.js';
import { stopLeftover } from './processes.js';

export interface DatabaseServer {
  url: string;
  embedded: boolean;
  /** Fast shutdown of the embedded server; for an external database, removes the launcher's record of it. */
  stop(): Promise<void>;
  /** Immediate shutdown, synchronous: the forced exit. */
  kill(): void;
}

/** DATABASE_URL when set; otherwise a real PostgreSQL with its data in <dataDir>/postgres. */
export async function startDatabaseServer(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  sharedDir: string;
  log: (line: string) => void;
}): Promise<DatabaseServer> {
  if (options.databaseUrl) return useExternalDatabase(options.databaseUrl, options.dataDir);
  // A record an earlier launcher on an external database left behind (a crash) would misdirect the CLI.
  await forgetExternalDatabase(options.dataDir);
  const clusterDir = await embeddedClusterDir(options.dataDir);
  const leftover = readPostmaster(clusterDir)?.pid;
  if (leftover !== undefined && (await stopLeftover(leftover, clusterDir, 'SIGINT'))) {
    options.log(`stopped an embedded PostgreSQL (pid ${leftover}) left running by an earlier launcher`);
  }
  await assertPortFree('127.0.0.1', options.port, 'AIRLOCK_EMBEDDED_PG_PORT');
  // Rejects with one sentence (EmbeddedPostgresUnavailableError) where it cannot run at all.
  const server = await startEmbeddedPostgres(options.dataDir, options.port, {
    logFile: path.join(options.dataDir, 'logs', 'postgres.log'),
    sharedDir: options.sharedDir,
  });
  return { url: server.url, embedded: true, stop: () => server.stop(), kill: () => server.kill() };
}

/**
 * DATABASE_URL's database. The CLI in another shell without DATABASE_URL finds no embedded
 * PostgreSQL, so the launcher records which database it uses (never its password) until it
 * stops: the CLI then says Airlock is running on it and to set DATABASE_URL.
 */
async function useExternalDatabase(url: string, dataDir: string): Promise<DatabaseServer> {
  const record = externalDatabaseOf(url, process.pid);
  if (record) await recordExternalDatabase(dataDir, record);
  else await forgetExternalDatabase(dataDir);
  return { url, embedded: false, stop: () => forgetExternalDatabase(dataDir), kill: () => forgetExternalDatabaseNow(dataDir) };
}

/** Applies pending migrations, then opens the process's pool. */
export async function openMigratedDatabase(url: string, log: (line: string) => void, statements?: StatementMode): Promise<Db> {
  await migrate(url, { log });
  return createDb(url, statements ? { statements } : {});
}
