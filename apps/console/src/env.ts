import { keyringEnv } from '@airlock/codec';
import { consoleEnv, dbEnv, parseEnv, temporalEnv } from '@airlock/core/env';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';
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
    AIRLOCK_POLICY_FILE: z
      .string()
      .min(1)
      .default(DEFAULT_POLICY_FILE)
      .describe('the policy file the workers enforce (YAML or JSON); unset = the bundled default policy'),
  });
export type ConsoleEnv = z.infer<typeof ConsoleEnv>;

let parsed: ConsoleEnv | undefined;

/** Parsed on first use, not at import, so `next build` never needs the runtime configuration. */
export function consoleConfig(): ConsoleEnv {
  parsed ??= parseEnv(ConsoleEnv, process.env);
  return parsed;
}
