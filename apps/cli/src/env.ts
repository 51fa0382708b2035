import { consoleEnv, dbEnv, parseEnv, temporalEnv } from '@airlock/core/env';

/** Only the operational commands need these; policy commands work offline. */
export function loadOpsEnv() {
  return parseEnv(
    dbEnv.required({ DATABASE_URL: true }).extend(temporalEnv.shape).required({ TEMPORAL_ADDRESS: true }),
    process.env,
  );
}

/** Account commands touch only the database; the public URL, when set, is printed as where to sign in. */
export function loadAccountsEnv() {
  return parseEnv(dbEnv.required({ DATABASE_URL: true }).extend({ AIRLOCK_PUBLIC_URL: consoleEnv.shape.AIRLOCK_PUBLIC_URL }), process.env);
}
