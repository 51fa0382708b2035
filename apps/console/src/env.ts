import { keyringEnv } from '@airlock/codec';
import { consoleEnv, dbEnv, parseEnv, runtimeEnv, temporalEnv } from '@airlock/core/env';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';
import { telemetryEnv } from '@airlock/telemetry';
import { z } from 'zod';

/**
 * The console's configuration: Temporal, the database, payload encryption and
 * its own settings in one schema. Unlike the worker it has no embedded fallback,
 * so the Temporal address and the database URL are required (the launcher always sets both).
 */
export const ConsoleEnv = temporalEnv
  .extend(dbEnv.shape)
  .extend(consoleEnv.shape)
  .extend(keyringEnv.shape)
  .extend({
    TEMPORAL_ADDRESS: temporalEnv.shape.TEMPORAL_ADDRESS.nonoptional('is required: host:port of the Temporal frontend'),
    DATABASE_URL: dbEnv.shape.DATABASE_URL.nonoptional('is required: postgresql:// URL of the Airlock database'),
    AIRLOCK_POLICY_FILE: z.string().min(1).default(DEFAULT_POLICY_FILE).describe('the policy file the workers enforce (YAML or JSON); unset = the bundled default policy'),
    AIRLOCK_METRICS_TOKEN: z
      .string()
      .min(16, 'must be at least 16 characters')
      .optional()
      .describe('bearer token GET /api/metrics requires; unset = the endpoint is open (keep it off the public network)'),
  });
export type ConsoleEnv = z.infer<typeof ConsoleEnv>;

let parsed: ConsoleEnv | undefined;

/** Parsed on first use, not at import, so `next build` never needs the runtime configuration. */
export function consoleConfig(): ConsoleEnv {
  parsed ??= parseEnv(ConsoleEnv, process.env);
  return parsed;
}

/** Sign-in settings: parsed apart from the runtime env so the Auth.js route needs no Temporal or database settings to start. */
export const AuthEnv = z
  .object({
    AUTH_SECRET: z.string().min(32).optional().describe('signs and encrypts session cookies; unset = a random secret per process (sessions end on restart)'),
    // Read by Auth.js itself; the console reads them only to name the session cookie as Auth.js does (auth-js.ts).
    AUTH_URL: z.url().optional().describe('<public url>/api/auth when people reach the console under another name than its own (Auth.js builds its URLs from it)'),
    NEXTAUTH_URL: z.url().optional().describe('the older name of AUTH_URL (AUTH_URL wins)'),
    AIRLOCK_OIDC_ISSUER: z.url().optional().describe('OIDC issuer URL of the company identity provider'),
    AIRLOCK_OIDC_CLIENT_ID: z.string().min(1).optional(),
    AIRLOCK_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    AIRLOCK_OIDC_NAME: z.string().min(1).default('Company SSO').describe('the provider name shown on the sign-in button'),
  })
  .refine((env) => Boolean(env.AIRLOCK_OIDC_ISSUER) === Boolean(env.AIRLOCK_OIDC_CLIENT_ID && env.AIRLOCK_OIDC_CLIENT_SECRET), {
    message: 'AIRLOCK_OIDC_ISSUER, AIRLOCK_OIDC_CLIENT_ID and AIRLOCK_OIDC_CLIENT_SECRET are set together or not at all',
  });
export type AuthEnv = z.infer<typeof AuthEnv>;

let parsedAuth: AuthEnv | undefined;

export function authConfigEnv(): AuthEnv {
  parsedAuth ??= parseEnv(AuthEnv, process.env);
  return parsedAuth;
}

/**
 * Logs and traces: parsed apart from the runtime env, at server start (instrumentation.ts),
 * so the logger works even when the rest of the configuration is what is wrong.
 */
export const ObservabilityEnv = telemetryEnv.extend({ LOG_LEVEL: runtimeEnv.shape.LOG_LEVEL });
export type ObservabilityEnv = z.infer<typeof ObservabilityEnv>;

let parsedObservability: ObservabilityEnv | undefined;

export function observabilityConfig(): ObservabilityEnv {
  parsedObservability ??= parseEnv(ObservabilityEnv, process.env);
  return parsedObservability;
}
