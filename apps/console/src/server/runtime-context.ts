import { createDb } from '@airlock/db';
import { Client, Connection } from '@temporalio/client';
import { consoleConfig } from '../env.js';
import type { ApiContext } from './context.js';
import { temporalConnectionOptions } from './temporal-connection.js';

// Kept on globalThis so `next dev` module reloads reuse one pool and one connection.
const holder = globalThis as typeof globalThis & { airlockApiContext?: ApiContext };

/** The process-wide context, created on first use (never at build time). */
export function apiContext(): ApiContext {
  holder.airlockApiContext ??= createApiContext();
  return holder.airlockApiContext;
}

function createApiContext(): ApiContext {
  const env = consoleConfig();
  // Lazy: the first RPC connects, so a request never waits on a connection it does not need.
  const connection = Connection.lazy(temporalConnectionOptions(env));
  return {
    db: createDb(env.DATABASE_URL),
    temporal: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }),
    taskQueue: env.TEMPORAL_TASK_QUEUE,
  };
}
