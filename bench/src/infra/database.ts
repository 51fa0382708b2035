import { randomBytes } from 'node:crypto';
import { createDb, migrate, type Db } from '@airlock/db';

export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  // A one-connection Db on the server's maintenance database; only its pool is used.
  const db: Db = createDb(serverUrl, { poolSize: 1 });
  try {
    await db.pool.query(sql);
  } finally {
    await db.close();
  }
}

/** A new, migrated database on `serverUrl`, dropped by `drop()`. */
export async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const name = `airlock_bench_${randomBytes(5).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  const url = withDatabase(serverUrl, name);
  try {
    await migrate(url);
  } catch (error) {
    await admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    throw error;
  }
  return { url, name, drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
