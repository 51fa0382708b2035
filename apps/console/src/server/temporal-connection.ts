import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';
import type { ConsoleEnv } from '../env.js';

/**
 * Client connection options for any Temporal: a dev server, a cluster with
 * mTLS, or Temporal Cloud with an API key (which implies TLS). Mirrors the
 * worker's settings without importing @airlock/worker and its native bridge.
 */
export function temporalConnectionOptions(env: ConsoleEnv): ConnectionOptions {
  const options: ConnectionOptions = { address: env.TEMPORAL_ADDRESS };
  if (env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH) {
    options.tls = { clientCertPair: { crt: readFileSync(env.TEMPORAL_TLS_CERT_PATH), key: readFileSync(env.TEMPORAL_TLS_KEY_PATH) } };
  } else if (env.TEMPORAL_TLS || env.TEMPORAL_API_KEY) {
    options.tls = true;
  }
  if (env.TEMPORAL_API_KEY) options.apiKey = env.TEMPORAL_API_KEY;
  return options;
}
