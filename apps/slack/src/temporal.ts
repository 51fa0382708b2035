import { readFileSync } from 'node:fs';
import type { TemporalEnv } from '@airlock/core/env';
import type { ConnectionOptions } from '@temporalio/client';

/** Client connection options for any Temporal: dev server, mTLS cluster, or Temporal Cloud (API key implies TLS). */
export function temporalConnectionOptions(env: TemporalEnv & { TEMPORAL_ADDRESS: string }): ConnectionOptions {
  const options: ConnectionOptions = { address: env.TEMPORAL_ADDRESS };
  if (env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH) {
    options.tls = { clientCertPair: { crt: readFileSync(env.TEMPORAL_TLS_CERT_PATH), key: readFileSync(env.TEMPORAL_TLS_KEY_PATH) } };
  } else if (env.TEMPORAL_TLS || env.TEMPORAL_API_KEY) {
    options.tls = true;
  }
  if (env.TEMPORAL_API_KEY) options.apiKey = env.TEMPORAL_API_KEY;
  return options;
}
