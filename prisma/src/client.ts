import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/client.js';

/**
 * One connection pool per process, shared by Prisma (through its pg adapter) and
 * the few hot paths that need plain SQL in one round trip each (the audit chain).
 */
export interface Db {
  prisma: PrismaClient;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function createDb(databaseUrl: string, options: { poolSize?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
  // An idle connection the server closed (restart, DROP DATABASE) is dropped from the pool by pg;
  // without a listener its 'error' event would crash the process.
  pool.on('error', (error) => console.warn(`airlock: database connection lost: ${error.message}`));
  // pg-pool listens only on idle clients. A checked-out one (a transaction in progress) whose connection
  // dies also emits 'error', which, unheard, crashed the worker on a PostgreSQL restart. The query in
  // flight, or the next one, fails with the same error, and the transaction helper discards the client.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
