import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { defaultActivityDeps } from '@airlock/activities';
import { parseEnv, temporalEnv } from '@airlock/core/env';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { temporalConnectionSettings } from '@airlock/core/temporal';
import { createAirlockWorker } from '@airlock/worker';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { defaultPolicy, seedTeam } from '../support/harness.js';
import { quietTemporalRuntime } from '../support/runtime.js';

// A self-hosted Temporal behind TLS with a private CA and client certificates
// (mTLS): a TLS-terminating proxy in front of the test's dev server, which itself
// speaks plain gRPC. Worker and client are configured only through the env
// variables a deployment would set, so this proves those settings reach both
// connection types (the worker's native Rust one and the clients' grpc-js one).

const run = promisify(execFile);
const SERVER_NAME = 'temporal.airlock.internal';

let dir: string;
let database: TestDatabase;
let proxy: net.Server;
let proxyPort: number;
const clientCertificates: string[] = [];

async function openssl(...args: string[]) {
  await run('openssl', args, { cwd: dir });
}

/** A CA, a server certificate for SERVER_NAME only, and a client certificate, all signed by the CA. */
async function makeCertificates() {
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=airlock-test-ca');
  for (const [name, cn, ext] of [
    ['server', SERVER_NAME, `subjectAltName=DNS:${SERVER_NAME}`],
    ['client', 'airlock-worker', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    await writeFile(path.join(dir, `${name}.ext`), `${ext}\n`);
    await openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
}

function tlsEnv(extra: Record<string, string> = {}) {
  return parseEnv(temporalEnv, {
    // An address the certificate does not name: the server name override must be used for verification.
    TEMPORAL_ADDRESS: `127.0.0.1:${proxyPort}`,
    TEMPORAL_TLS_CA_PATH: path.join(dir, 'ca.pem'),
    TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    TEMPORAL_TLS_CERT_PATH: path.join(dir, 'client.pem'),
    TEMPORAL_TLS_KEY_PATH: path.join(dir, 'client.key'),
    ...extra,
  });
}

beforeAll(async () => {
  quietTemporalRuntime();
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-tls-'));
  await makeCertificates();
  const [host, port] = inject('temporalAddress').split(':') as [string, string];
  const read = (name: string) => readFile(path.join(dir, name));
  proxy = tls.createServer(
    { key: await read('server.key'), cert: await read('server.pem'), ca: await read('ca.pem'), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (socket) => {
      clientCertificates.push(socket.getPeerCertificate().subject.CN as string);
      const upstream = net.connect(Number(port), host);
      socket.pipe(upstream).pipe(socket);
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', close);
      upstream.on('error', close);
    },
  );
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyPort = (proxy.address() as net.AddressInfo).port;
  database = await createTestDatabase();
  await seedTeam(database.db);
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Temporal over TLS with a private CA and client certificates', () => {
  it('runs an action end to end with the worker and the client configured from env variables', async () => {
    const settings = temporalConnectionSettings(tlsEnv(), '');
    const nativeConnection = await NativeConnection.connect(settings);
    const connection = await Connection.connect(settings);
    const taskQueue = `airlock-tls-${Date.now()}`;
    const bundle = JSON.parse(await readFile(inject('workflowBundlePath'), 'utf8')) as WorkflowBundleWithSourceMap;
    const worker = await createAirlockWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      db: database.db,
      deps: defaultActivityDeps(database.db, defaultPolicy()),
      workflowBundle: bundle,
    });
    const running = worker.run();
    try {
      const client = new Client({ connection });
      const { actionId } = await submitAction(client, taskQueue, {
        agentId: 'billing-bot',
        tool: 'demo.echo',
        args: { message: 'over tls' },
        rationale: 'tls test',
        idempotencyKey: 'tls-1',
      });
      expect(await awaitOutcome(client, actionId)).toEqual({ status: 'executed', actionId, output: { message: 'over tls' } });
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
    }
    // Both connections went through the proxy, each presenting the client certificate.
    expect(clientCertificates.length).toBeGreaterThanOrEqual(2);
    expect(new Set(clientCertificates)).toEqual(new Set(['airlock-worker']));
  });

  it('refuses to connect without a client certificate, or when the server is not the one the CA vouches for', async () => {
    const withoutClientCert = temporalConnectionSettings(tlsEnv(), '');
    delete (withoutClientCert.tls as { clientCertPair?: unknown }).clientCertPair;
    await expect(Connection.connect({ ...withoutClientCert, connectTimeout: 3_000 })).rejects.toThrow();

    const wrongName = temporalConnectionSettings(tlsEnv({ TEMPORAL_TLS_SERVER_NAME: 'someone-else.example' }), '');
    await expect(Connection.connect({ ...wrongName, connectTimeout: 3_000 })).rejects.toThrow();
  });

  it('names the problem when the TLS settings are incomplete or unreadable', () => {
    expect(() => tlsEnv({ TEMPORAL_TLS_KEY_PATH: '' })).toThrow(/TEMPORAL_TLS_KEY_PATH/);
    const partial = parseEnv(temporalEnv, { TEMPORAL_TLS_CERT_PATH: path.join(dir, 'client.pem') });
    expect(() => temporalConnectionSettings(partial, 'localhost:7233')).toThrow(/TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together/);
    const missing = parseEnv(temporalEnv, { TEMPORAL_TLS_CA_PATH: path.join(dir, 'nope.pem') });
    expect(() => temporalConnectionSettings(missing, 'localhost:7233')).toThrow(/TEMPORAL_TLS_CA_PATH: cannot read .*nope\.pem \(ENOENT\)/);
    // An API key alone implies TLS (Temporal Cloud) and is passed on.
    expect(temporalConnectionSettings(parseEnv(temporalEnv, { TEMPORAL_API_KEY: 'k' }), 'x.tmprl.cloud:7233')).toEqual({ address: 'x.tmprl.cloud:7233', tls: true, apiKey: 'k' });
  });
});
