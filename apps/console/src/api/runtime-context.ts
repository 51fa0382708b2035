import { dataConverterFor } from '@airlock/codec';
import { createDb } from '@airlock/db';
import { tracingClientInterceptors } from '@airlock/telemetry';
import { Client, Connection } from '@temporalio/client';
import { consoleConfig } from '../env.js';
import { auditFeed } from './audit-feed.js';
import type { ApiContext } from './context.js';
import { livePolicy } from './policy.js';
import { consoleTracing } from './telemetry.js';
import { temporalConnectionSettings } from '@airlock/core/temporal';

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
  const connection = Connection.lazy(temporalConnectionSettings(env, env.TEMPORAL_ADDRESS));
  const interceptors = tracingClientInterceptors(consoleTracing());
  const tracing = interceptors ? { interceptors } : {};
  const db = createDb(env.DATABASE_URL, { statements: env.AIRLOCK_DB_STATEMENTS });
  return {
    db,
    // The workers' converter: with AIRLOCK_PAYLOAD_KEYS set, requests and decisions are encrypted before they leave.
    // With tracing on, a request's span continues into the workflow and the tool run.
    temporal: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, dataConverter: dataConverterFor(env.AIRLOCK_PAYLOAD_KEYS), ...tracing }),
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    // What the workers report they run; the file only while none reports.
    policy: livePolicy(db, env.AIRLOCK_POLICY_FILE),
    // The live views' feed: an agent's authorization wait reads the workflow when its action's rows arrive.
    actionWatch: auditFeed(db, env.DATABASE_URL),
    ...(env.AIRLOCK_METRICS_TOKEN ? { metricsToken: env.AIRLOCK_METRICS_TOKEN } : {}),
  };
}
