import { randomBytes } from 'node:crypto';
import { createDb, migrate, type Db } from '@airlock/db';
import pg from 'pg';

/** The server test databases are created on: the machine's PostgreSQL unless told otherwise. */
export const adminUrl = process.env.AIRLOCK_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  db: Db;
  drop(): Promise<void>;
}

/** A new, migrated database on a real PostgreSQL, dropped afterwards. */
export async function createTestDatabase(serverUrl = adminUrl): Promise<TestDatabase> {
  const name = `airlock_test_${randomBytes(5).toString('hex')}`;
  await withAdmin(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(serverUrl, name);
  await migrate(url);
  const db = createDb(url, { poolSize: 5 });
  return {
    url,
    db,
    async drop() {
      await db.close();
      await withAdmin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

export function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdmin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
