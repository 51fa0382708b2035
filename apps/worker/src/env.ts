import { KILL_POINTS } from '@airlock/activities';
import { keyringEnv } from '@airlock/codec';
import { consoleEnv, dbEnv, parseEnv, runtimeEnv, temporalEnv } from '@airlock/core/env';
import { mcpGatewayEnv } from '@airlock/mcp-gateway/env';
import { telemetryEnv } from '@airlock/telemetry';
import { z } from 'zod';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from './workflow-cache.js';

/** What every worker needs beyond connections: the policy file and the payload keys. */
const workerSettings = keyringEnv.extend({
  AIRLOCK_POLICY_FILE: z.string().min(1).optional().describe('the policy file; unset = the bundled default policy'),
  AIRLOCK_TOOLS_CONFIG: z
    .string()
    .min(1)
    .optional()
    .describe('JSON file configuring the built-in tools (shell, http, sql, fs) and declared HTTP tools (httpTools); unset = demo tools only'),
  AIRLOCK_TOOLS_MODULE: z
    .string()
    .min(1)
    .optional()
    .describe('your own tool pack: a .ts or .js module exporting defineTool definitions, loaded at start; a broken one stops the worker'),
  AIRLOCK_WEBHOOKS_ALLOW_LOOPBACK: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('true = webhook receivers on loopback (127.0.0.1, ::1) are allowed; for tests and one-machine set-ups only'),
  AIRLOCK_WEBHOOKS_RETRY_BASE_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(3_600_000)
    .default(5_000)
    .describe('delay before a failed webhook delivery is tried again; doubles each attempt'),
  AIRLOCK_WORKFLOW_BUNDLE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'a workflow bundle written by bundleWorkflows (JSON: code and source map), loaded instead of bundling at start; it must be built with the same tracing and stack-trace settings',
    ),
  AIRLOCK_WORKFLOW_STACK_TRACES: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe(
      "true = keep the SDK's stack trace of every workflow promise (the __stack_trace query, the Temporal UI's Stack Trace tab, frames in workflow errors), at about 1.5 times the CPU per replayed approval",
    ),
  AIRLOCK_WORKER_MAX_CACHED_WORKFLOWS: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_MAX_CACHED_WORKFLOWS)
    .describe(
      "workflows the worker keeps in memory between tasks; the others (say, actions waiting for a person) are replayed from their history when a decision or query arrives. Bounds the worker's memory",
    ),
  AIRLOCK_AUDIT_CHECKPOINT_KEY: z
    .string()
    .min(1)
    .optional()
    .describe('Ed25519 private key file (from `npm run airlock -- audit keygen`): set = the worker signs checkpoints of the audit chain; unset = none'),
  AIRLOCK_AUDIT_CHECKPOINT_FILE: z.string().min(1).optional().describe('JSONL file every signed checkpoint is appended to (fsynced); ship it off the host'),
  AIRLOCK_AUDIT_CHECKPOINT_EVERY_ROWS: z.coerce.number().int().min(1).default(1000).describe('sign a checkpoint once this many audit rows were appended since the last one…'),
  AIRLOCK_AUDIT_CHECKPOINT_EVERY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60).describe('…or once the oldest unsigned row is this many seconds old'),
  AIRLOCK_AUDIT_EXPORT_FILE: z.string().min(1).optional().describe('SIEM export: JSONL file every audit event is appended to (fsynced), in seq order, at least once'),
  AIRLOCK_AUDIT_EXPORT_FILE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(4096)
    .optional()
    .describe('rotate the SIEM export file before it grows past this size (renamed to <file>.<UTC timestamp>); unset = never'),
  AIRLOCK_AUDIT_EXPORT_OTLP_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('SIEM export: OTLP/HTTP logs endpoint, e.g. http://collector:4318/v1/logs (headers: OTEL_EXPORTER_OTLP_LOGS_HEADERS)'),
  AIRLOCK_AUDIT_EXPORT_BATCH: z.coerce.number().int().min(1).max(10_000).default(500).describe('audit events per SIEM export batch'),
  AIRLOCK_AUDIT_EXPORT_RETRY_BASE_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(600_000)
    .default(1_000)
    .describe('delay before a failed SIEM export batch is sent again; doubles each failure, up to 60 s'),
  AIRLOCK_TEST_KILL_POINT: z.enum(KILL_POINTS).optional().describe('crash tests only: the worker SIGKILLs itself the first time it reaches this step of the decision path'),
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
    .describe('where Temporal Core serves its own Prometheus metrics (SDK internals: polls, slots, latencies); unset = off'),
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
  // The MCP gateway (HTTP) starts beside the console when AIRLOCK_MCP_CONFIG names its config.
  .extend(mcpGatewayEnv.pick({ AIRLOCK_MCP_CONFIG: true, AIRLOCK_URL: true }).shape)
  .extend({
    // Off unless asked for: a local launcher should not claim a port nobody scrapes.
    AIRLOCK_WORKER_METRICS_PORT: MetricsPort.optional(),
    AIRLOCK_CONSOLE: z.enum(['on', 'off']).default('on').describe('off = run without the web console'),
    TEMPORAL_CLI_PATH: z.string().min(1).optional().describe('the `temporal` CLI for the embedded dev server'),
    AIRLOCK_SHARED_DIR: z
      .string()
      .min(1)
      .default('/var/lib/airlock')
      .describe("as root, when the project's directory is private: where the embedded PostgreSQL's binaries and cluster go"),
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

/** Where HTTP tools declared in the tools config read their header variables (names the config chooses, e.g. CRM_TOKEN). */
export function toolHeaderEnvironment(): Record<string, string | undefined> {
  return process.env;
}
