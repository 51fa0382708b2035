import path from 'node:path';

/**
 * The console runs in apps/console (`next start` serves the build found there), so a relative
 * path it inherits would be read from there, not from the directory `npm start` ran in, where the
 * worker reads it: the console started, "Airlock is ready" printed, and every API call failed.
 * Each path the console reads is made absolute against the launcher's working directory.
 */

/** Variables whose value is a file the console reads (temporal-connection.ts, the console's env, Node itself). */
const PATH_VARIABLES = ['TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH', 'TEMPORAL_TLS_CA_PATH', 'AIRLOCK_POLICY_FILE', 'NODE_EXTRA_CA_CERTS'] as const;

/** DATABASE_URL parameters node-postgres reads as files. */
const DATABASE_URL_PATH_PARAMETERS = ['sslcert', 'sslkey', 'sslrootcert'] as const;

/** The environment the console is started with: `env` with every relative path made absolute against `cwd`. */
export function consoleEnvironment(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): NodeJS.ProcessEnv {
  const resolved: NodeJS.ProcessEnv = { ...env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' };
  for (const name of PATH_VARIABLES) {
    const value = env[name];
    if (value) resolved[name] = path.resolve(cwd, value);
  }
  if (env.DATABASE_URL) resolved.DATABASE_URL = withAbsoluteFileParameters(env.DATABASE_URL, cwd);
  return resolved;
}

/** The URL as it is unless one of its file parameters is relative: only then is it rebuilt. */
function withAbsoluteFileParameters(url: string, cwd: string): string {
  const parsed = URL.parse(url);
  if (!parsed) return url;
  let changed = false;
  for (const name of DATABASE_URL_PATH_PARAMETERS) {
    const value = parsed.searchParams.get(name);
    if (!value || path.isAbsolute(value)) continue;
    parsed.searchParams.set(name, path.resolve(cwd, value));
    changed = true;
  }
  return changed ? parsed.toString() : url;
}
