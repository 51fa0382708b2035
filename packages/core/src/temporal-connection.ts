import { readFileSync } from 'node:fs';
import { EnvError, type TemporalEnv } from './env.js';

export interface TemporalTlsSettings {
  clientCertPair?: { crt: Buffer; key: Buffer };
  serverRootCACertificate?: Buffer;
  serverNameOverride?: string;
}

export interface TemporalConnectionSettings {
  address: string;
  tls?: TemporalTlsSettings | boolean;
  apiKey?: string;
}

/**
 * Connection settings for any Temporal, shared by the worker's native connection
 * and every client (console, Slack, CLI) — `@airlock/core/temporal`, Node-only: the
 * embedded dev server, a self-hosted cluster with TLS or mTLS (a private CA too),
 * or Temporal Cloud with an API key (which implies TLS).
 */
export function temporalConnectionSettings(env: TemporalEnv, fallbackAddress: string): TemporalConnectionSettings {
  const address = env.TEMPORAL_ADDRESS ?? fallbackAddress;
  const settings: TemporalConnectionSettings = { address };
  if (Boolean(env.TEMPORAL_TLS_CERT_PATH) !== Boolean(env.TEMPORAL_TLS_KEY_PATH)) {
    throw new EnvError('invalid configuration: TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together (the client certificate and its key)');
  }
  const tls: TemporalTlsSettings = {};
  if (env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH) {
    tls.clientCertPair = { crt: readPem('TEMPORAL_TLS_CERT_PATH', env.TEMPORAL_TLS_CERT_PATH), key: readPem('TEMPORAL_TLS_KEY_PATH', env.TEMPORAL_TLS_KEY_PATH) };
  }
  if (env.TEMPORAL_TLS_CA_PATH) tls.serverRootCACertificate = readPem('TEMPORAL_TLS_CA_PATH', env.TEMPORAL_TLS_CA_PATH);
  if (env.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = env.TEMPORAL_TLS_SERVER_NAME;
  if (Object.keys(tls).length > 0) settings.tls = tls;
  else if (env.TEMPORAL_TLS || env.TEMPORAL_API_KEY) settings.tls = true;
  if (env.TEMPORAL_API_KEY) settings.apiKey = env.TEMPORAL_API_KEY;
  return settings;
}

/** A file named by a variable; a missing file is a configuration error naming both. */
function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new EnvError(`invalid configuration: ${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
