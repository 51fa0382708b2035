import { z } from 'zod';
import { formatZodError } from './errors.js';

// One schema per concern; each app combines what it needs in its own env.ts and
// parses process.env once at start-up.

export const temporalEnv = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).optional().describe('host:port of an external Temporal; unset = embedded dev server'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('airlock'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional().describe("PEM of the CA that signed the server's certificate (a private CA); implies TLS"),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional().describe('name to verify the server certificate against, when it differs from the address'),
});
export type TemporalEnv = z.infer<typeof temporalEnv>;

export const dbEnv = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional()
    .describe('unset = embedded PostgreSQL under AIRLOCK_DATA_DIR'),
  AIRLOCK_DB_STATEMENTS: z
    .enum(['session', 'inline'])
    .default('session')
    .describe("'session' prepares the hot path's statements once per connection; 'inline' behind a connection pooler in transaction mode (PgBouncer's default)"),
});
export type DbEnv = z.infer<typeof dbEnv>;

export const consoleEnv = z.object({
  AIRLOCK_CONSOLE_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  AIRLOCK_PUBLIC_URL: z.url().optional(),
});

export const runtimeEnv = z.object({
  AIRLOCK_DATA_DIR: z.string().min(1).default('.data'),
  AIRLOCK_TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  AIRLOCK_TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  AIRLOCK_EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(5488),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export class EnvError extends Error {
  override name = 'EnvError';
}

/** Parses `source` with `schema`, throwing one readable message that names every bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>): z.infer<S> {
  const result = schema.safeParse(source);
  if (!result.success) throw new EnvError(`invalid configuration: ${formatZodError(result.error)}`);
  return result.data;
}
