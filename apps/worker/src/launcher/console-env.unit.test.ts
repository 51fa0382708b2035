import { describe, expect, it } from 'vitest';
import { consoleEnvironment } from './console-env.js';

// The console runs in apps/console: it must be given the files the worker reads, not files of the same relative names there.

describe('the environment the launcher starts the console with', () => {
  it('makes every relative file path absolute against the directory npm start ran in', () => {
    const env = consoleEnvironment(
      {
        TEMPORAL_TLS_CERT_PATH: 'certs/client.pem',
        TEMPORAL_TLS_KEY_PATH: './certs/client.key',
        TEMPORAL_TLS_CA_PATH: '../ca/ca.pem',
        AIRLOCK_POLICY_FILE: 'policy.yaml',
        NODE_EXTRA_CA_CERTS: 'corp-ca.pem',
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
      },
      '/srv/airlock',
    );
    expect(env).toEqual({
      TEMPORAL_TLS_CERT_PATH: '/srv/airlock/certs/client.pem',
      TEMPORAL_TLS_KEY_PATH: '/srv/airlock/certs/client.key',
      TEMPORAL_TLS_CA_PATH: '/srv/ca/ca.pem',
      AIRLOCK_POLICY_FILE: '/srv/airlock/policy.yaml',
      NODE_EXTRA_CA_CERTS: '/srv/airlock/corp-ca.pem',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
    });
  });

  it('leaves absolute paths, and a DATABASE_URL without relative files, exactly as they are', () => {
    const url = 'postgresql://airlock:p%40ss@db:5432/airlock?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem';
    const env = consoleEnvironment({ TEMPORAL_TLS_CA_PATH: '/etc/ssl/ca.pem', DATABASE_URL: url }, '/srv/airlock');
    expect(env.TEMPORAL_TLS_CA_PATH).toBe('/etc/ssl/ca.pem');
    expect(env.DATABASE_URL).toBe(url);
  });

  it("makes DATABASE_URL's relative certificate and key files absolute", () => {
    const env = consoleEnvironment(
      { DATABASE_URL: 'postgresql://airlock:secret@db:5432/airlock?sslmode=require&sslrootcert=certs/db-ca.pem&sslcert=certs/me.crt&sslkey=certs/me.key' },
      '/srv/airlock',
    );
    const parsed = new URL(env.DATABASE_URL!);
    expect(Object.fromEntries(parsed.searchParams)).toEqual({
      sslmode: 'require',
      sslrootcert: '/srv/airlock/certs/db-ca.pem',
      sslcert: '/srv/airlock/certs/me.crt',
      sslkey: '/srv/airlock/certs/me.key',
    });
    expect(parsed.password).toBe('secret');
  });
});
