import { readFileSync } from 'node:fs';
import type { TemporalEnv } from './env.js';

export interface TemporalConnectionSettings {
  address: string;
  tls?: { clientCertPair?: { crt: Buffer; key: Buffer } } | boolean;
  apiKey?: string;
}

/**
 * Connection settings for any Temporal, shared by the worker's native connection
 * and every client (console, Slack, CLI) — `@airlock/core/temporal`, Node-only: the embedded dev server, a self-hosted
 * cluster with mTLS, or Temporal Cloud with an API key (which implies TLS).
 */
export function temporalConnectionSettings(env: TemporalEnv, fallbackAddress: string): TemporalConnectionSettings {
  const address = env.TEMPORAL_ADDRESS ?? fallbackAddress;
  const settings: TemporalConnectionSettings = { address };
  if (env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH) {
    settings.tls = { clientCertPair: { crt: readFileSync(env.TEMPORAL_TLS_CERT_PATH), key: readFileSync(env.TEMPORAL_TLS_KEY_PATH) } };
  } else if (env.TEMPORAL_TLS || env.TEMPORAL_API_KEY) {
    settings.tls = true;
  }
  if (env.TEMPORAL_API_KEY) settings.apiKey = env.TEMPORAL_API_KEY;
  return settings;
}
