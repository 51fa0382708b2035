import { dbEnv, parseEnv } from '@airlock/core/env';

/** The migrate CLI needs an explicit database. */
export function loadMigrateEnv() {
  return parseEnv(dbEnv.required({ DATABASE_URL: true }), process.env);
}
