import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/client.js';
import { PreparingClient, setStatementMode, type StatementMode } from './governance/prepared-statements.js';

/**
 * One connection pool per process, shared by Prisma (through its pg adapter) and
 * the few hot paths that need plain SQL in one round trip each (the audit chain).
 */
export interface Db {
  prisma: PrismaClient;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** Connections a pool keeps open however long it idles (fewer if its size is smaller). */
export const WARM_CONNECTIONS = 2;

export interface DbOptions {
  /** Most connections open at once (default 10). */
  poolSize?: number;
  /** How long a connection beyond the warm ones may idle before it is closed (pg's default, 10 s). */
  idleTimeoutMillis?: number;
  /**
   * How the hot path's statements are sent (process-wide: see prepared-statements.ts): `session` (the default)
   * prepares each once per connection; `inline` for a connection pooler in transaction mode.
   */
  statements?: StatementMode;
}

export function createDb(databaseUrl: string, options: DbOptions = {}): Db {
  const max = options.poolSize ?? 10;
  if (options.statements) setStatementMode(options.statements);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    // Prepares the hot path's statements once per connection (prepared-statements.ts); anything else passes through.
    Client: PreparingClient,
    max,
    // Decisions come when people make them, often after minutes of quiet: with pg's default every
    // connection closed after 10 s idle, and the next decision paid a new one in the console (the
    // key's look-up) and in the worker (the run's claim), each 3-5 ms on a local server (SCRAM
    // included) and far more over TLS. The warm ones stay open; TCP keepalive finds one a
    // network dropped, and pg's 'error' event (below) takes a dead idle one out of the pool.
    min: Math.min(WARM_CONNECTIONS, max),
    keepAlive: true,
    ...(options.idleTimeoutMillis !== undefined ? { idleTimeoutMillis: options.idleTimeoutMillis } : {}),
  });
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
