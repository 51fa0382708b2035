import { keyringEnv } from '@airlock/codec';
import { consoleEnv, dbEnv, parseEnv, runtimeEnv, temporalEnv } from '@airlock/core/env';
import { telemetryEnv } from '@airlock/telemetry';
import { z } from 'zod';

/** What every worker needs beyond connections: the policy file and the payload keys. */
const workerSettings = keyringEnv.extend({
  AIRLOCK_POLICY_FILE: z.string().min(1).optional().describe('the policy file; unset = the bundled default policy'),
  AIRLOCK_TOOLS_CONFIG: z.string().min(1).optional().describe('JSON file configuring the built-in tools (shell, http, sql, fs); unset = demo tools only'),
});

/** `off`, or a port (0 = any free one). */
const MetricsPort = z
  .union([z.literal('off').transform(() => undefined), z.coerce.number().int().min(0).max(65535)])
  .describe('port of the worker HTTP server: /metrics, /healthz, /readyz; off = none');

/** Logs, traces and metrics: the standard OTEL_* variables, the log format, the worker's probe port. */
const observabilitySettings = telemetryEnv.extend({
  AIRLOCK_WORKER_METRICS_HOST: z.string().min(1).default('0.0.0.0').describe('address the /metrics, /healthz and /readyz server binds'),
  TEMPORAL_METRICS_BIND: z
    .string()
    .regex(/^\S+:\d+$/, 'must be host:port, e.g. 0.0.0.0:9465')
    .optional()
    .describe("where Temporal Core serves its own Prometheus metrics (SDK internals: polls, slots, latencies); unset = off"),
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
  .extend(observabilitySettings.shape)
  .extend({
    // Off unless asked for: a local launcher should not claim a port nobody scrapes.
    AIRLOCK_WORKER_METRICS_PORT: MetricsPort.optional(),
    AIRLOCK_CONSOLE: z.enum(['on', 'off']).default('on').describe('off = run without the web console'),
    TEMPORAL_CLI_PATH: z.string().min(1).optional().describe('the `temporal` CLI for the embedded dev server'),
  });
export type LauncherEnv = z.infer<typeof launcherEnv>;

/** The worker-only entry (scale-out) has no embedded fallbacks: both external services are required. */
export const workerEnv = temporalEnv
  .extend(dbEnv.shape)
  .extend({ LOG_LEVEL: runtimeEnv.shape.LOG_LEVEL })
  .extend(workerSettings.shape)
  .extend(observabilitySettings.shape)
  .extend({
    // On by default: Kubernetes probes and Prometheus scrape this port (deploy/kubernetes/20-worker.yaml).
    AIRLOCK_WORKER_METRICS_PORT: MetricsPort.default(9464),
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
