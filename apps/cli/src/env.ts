import { dbEnv, parseEnv, temporalEnv } from '@airlock/core/env';

/** Only the operational commands need these; policy commands work offline. */
export function loadOpsEnv() {
  return parseEnv(
    dbEnv.required({ DATABASE_URL: true }).extend(temporalEnv.shape).required({ TEMPORAL_ADDRESS: true }),
    process.env,
  );
}
