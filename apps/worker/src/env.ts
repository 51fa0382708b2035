import { keyringEnv } from '@airlock/codec';
import { consoleEnv, dbEnv, parseEnv, runtimeEnv, temporalEnv } from '@airlock/core/env';
import { z } from 'zod';

/** What every worker needs beyond connections: the policy file and the payload keys. */
const workerSettings = keyringEnv.extend({
  AIRLOCK_POLICY_FILE: z.string().min(1).optional().describe('the policy file; unset = the bundled default policy'),
  AIRLOCK_TOOLS_CONFIG: z.string().min(1).optional().describe('JSON file configuring the built-in tools (shell, http, sql, fs); unset = demo tools only'),
});

/**
 * Everything `npm start` reads: Temporal, the database, the runtime (data dir,
 * embedded ports) and the console, in one schema parsed once at start-up.
 */
export const launcherEnv = temporalEnv
  .extend(dbEnv.shape)
  .extend(runtimeEnv.shape)
  .extend(consoleEnv.shape)
  .extend(workerSettings.shape)
  .extend({
    AIRLOCK_CONSOLE: z.enum(['on', 'off']).default('on').describe('off = run without the web console'),
    TEMPORAL_CLI_PATH: z.string().min(1).optional().describe('the `temporal` CLI for the embedded dev server'),
  });
export type LauncherEnv = z.infer<typeof launcherEnv>;

/** The worker-only entry (scale-out) has no embedded fallbacks: both external services are required. */
export const workerEnv = temporalEnv
  .extend(dbEnv.shape)
  .extend({ LOG_LEVEL: runtimeEnv.shape.LOG_LEVEL })
  .extend(workerSettings.shape)
  .extend({
    TEMPORAL_ADDRESS: temporalEnv.shape.TEMPORAL_ADDRESS.nonoptional('is required: host:port of the Temporal frontend'),
    DATABASE_URL: dbEnv.shape.DATABASE_URL.nonoptional('is required: postgresql:// URL of the Airlock database'),
  });
export type WorkerEnv = z.infer<typeof workerEnv>;

export function readLauncherEnv(source: Record<string, string | undefined> = process.env): LauncherEnv {
  return parseEnv(launcherEnv, source);
}

export function readWorkerEnv(source: Record<string, string | undefined> = process.env): WorkerEnv {
  return parseEnv(workerEnv, source);
}

/**
 * What child processes inherit untouched (PATH, locale, TLS files, proxy
 * settings): the dev server and the console see the environment the launcher saw,
 * plus the settings it passes explicitly.
 */
export function inheritedEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}
