import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { awaitOutcome, decideAction } from '@airlock/core/gateway';
import { createDb, createUser, hashApiKey, type Db } from '@airlock/db';
import { signInWithPassword } from '@airlock/db/accounts';
import { embeddedClusterDir } from '@airlock/db/embedded';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { refundRequest, submitAndWaitForApproval, waitForStatus } from '../support/actions.js';
import { freePorts } from '../support/ports.js';
import { launch, processesUsing, type Launch } from './launcher.js';

// `npm start` end to end: both embedded defaults (Temporal dev server, PostgreSQL),
// a clean Ctrl-C, and a restart that resumes a pending approval from disk.

const TASK_QUEUE = 'airlock';
// startEmbeddedPostgres' fixed credentials; the launcher prints the URL with the password masked.
const EMBEDDED_PASSWORD = 'airlock';

const dataDirs: string[] = [];
const launches: Launch[] = [];

async function newDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-start-'));
  dataDirs.push(dir);
  return dir;
}

afterAll(async () => {
  // Only matters when a test failed midway: leave nothing running.
  for (const l of launches) {
    if (l.child.exitCode === null && l.child.signalCode === null) {
      try {
        process.kill(-l.child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  for (const dir of dataDirs) {
    for (const leftover of await processesUsing(dir)) process.kill(leftover.pid, 'SIGKILL');
    // As root, the cluster of a data directory under a private one lives in /var/lib/airlock/clusters.
    await rm(await embeddedClusterDir(dir), { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }
});

async function launcherEnv(dataDir: string, overrides: NodeJS.ProcessEnv = {}) {
  const [temporal, temporalUi, postgres] = (await freePorts(3)) as [number, number, number];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AIRLOCK_DATA_DIR: dataDir,
    AIRLOCK_TEMPORAL_PORT: String(temporal),
    AIRLOCK_TEMPORAL_UI_PORT: String(temporalUi),
    AIRLOCK_EMBEDDED_PG_PORT: String(postgres),
    AIRLOCK_CONSOLE: 'off',
    // The launcher's progress and shutdown lines ("Airlock stopped") are info log lines.
    LOG_LEVEL: 'info',
    ...overrides,
  };
  // Both embedded defaults are under test.
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  delete env.NODE_OPTIONS;
  return { env, ports: { temporal, postgres } };
}

/** Starts the launcher; if the test fails, its output is printed (the worker's errors are there). */
async function start(env: NodeJS.ProcessEnv): Promise<Launch> {
  const l = await launch(env);
  launches.push(l);
  onTestFailed(() => {
    console.error(`launcher output (pid ${l.child.pid}):\n${l.output().split('\n').slice(-150).join('\n')}`);
  });
  return l;
}

async function connectClient(address: string): Promise<Client & { close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  return Object.assign(new Client({ connection }), { close: () => connection.close() });
}

async function withDb<T>(url: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb(url, { poolSize: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

describe('npm start', () => {
  it('stops cleanly on SIGINT and resumes a pending approval after a restart', async () => {
    const dataDir = await newDataDir();
    const { env, ports } = await launcherEnv(dataDir);
    const { temporal, postgres } = ports;

    // First start: empty data directory.
    const first = await start(env);
    await first.waitForLine(/Airlock is ready/);
    const printed = first.output();
    expect(printed).toMatch(/shown only once/);
    const keys = [...printed.matchAll(/API key \((user|agent) ([\w-]+)\):\s+(alk_\S+)/g)].map((m) => ({ owner: m[2], key: m[3]! }));
    expect(keys.map((k) => k.owner)).toEqual(['admin', 'demo-agent']);
    expect(printed).toMatch(/sign in to the console at http:\/\/localhost:\d+\/sign-in/);
    const oneTimePassword = /one-time password:\s+(\S+)/.exec(printed)?.[1] ?? '';
    expect(printed).toContain(`postgresql://airlock:<password>@localhost:${postgres}/airlock`);
    expect(printed).not.toContain(EMBEDDED_PASSWORD + '@');
    const address = (await first.waitForLine(/Temporal gRPC\s+(\S+)/))[1]!;
    expect(address).toBe(`127.0.0.1:${temporal}`);
    const databaseUrl = `postgresql://airlock:${EMBEDDED_PASSWORD}@localhost:${postgres}/airlock`;

    await withDb(databaseUrl, async (db) => {
      // The printed keys are real: only their hashes are stored.
      for (const { key } of keys) expect(await db.prisma.apiKey.count({ where: { hash: hashApiKey(key) } })).toBe(1);
      // So is the admin's one-time console password, which must be replaced at its first sign-in.
      expect(await signInWithPassword(db, 'admin@airlock.local', oneTimePassword)).toMatchObject({ ok: true, userId: 'admin', mustChangePassword: true });
      expect(await db.prisma.agent.findUnique({ where: { id: 'demo-agent' } })).not.toBeNull();
      await createUser(db, { id: 'restart-approver', role: 'approver' });
    });

    let client = await connectClient(address);
    const { actionId, argsHash } = await submitAndWaitForApproval(client, TASK_QUEUE, refundRequest({ agentId: 'demo-agent' }));
    await client.close();

    const running = await processesUsing(dataDir);
    expect(running.some((p) => p.command.includes('temporal server start-dev'))).toBe(true);
    expect(running.some((p) => /postgres -D/.test(p.command))).toBe(true);

    // What `kill -INT $(cat <data dir>/airlock.pid)` does: the launcher alone gets SIGINT.
    const launcherPid = Number((await readFile(path.join(dataDir, 'airlock.pid'), 'utf8')).trim());
    process.kill(launcherPid, 'SIGINT');
    expect(await first.closed).toEqual({ code: 0, signal: null });
    expect(first.output()).toMatch(/Airlock stopped/);
    expect(await processesUsing(dataDir)).toEqual([]);

    // Second start: same data directory, so the SQLite history and the PostgreSQL cluster are reused.
    const second = await start(env);
    await second.waitForLine(/Airlock is ready/);
    expect(second.output()).not.toMatch(/shown only once|alk_/);

    client = await connectClient(address);
    try {
      const status = await waitForStatus(client, actionId, () => true);
      expect(status.phase).toBe('awaiting_approval');
      await decideAction(client, actionId, { approverId: 'restart-approver', decision: 'approve', channel: 'api', argsHash });
      const outcome = await awaitOutcome(client, actionId);
      expect(outcome.status).toBe('executed');
    } finally {
      await client.close();
    }
    await withDb(databaseUrl, async (db) => {
      expect(await db.prisma.ledgerEntry.count({ where: { idempotencyKey: `${actionId}:run` } })).toBe(1);
      expect((await db.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).status).toBe('executed');
    });

    // Ctrl-C in a terminal: SIGINT to the whole process group (npm, tsx, the launcher, PostgreSQL).
    process.kill(-second.child.pid!, 'SIGINT');
    await second.closed;
    expect(second.output()).toMatch(/Airlock stopped/);
    expect(await processesUsing(dataDir)).toEqual([]);
  }, 300_000);

  it('exits 1 naming the variable when a setting is invalid, starting nothing', async () => {
    const dataDir = await newDataDir();
    const run = await start((await launcherEnv(dataDir, { AIRLOCK_TEMPORAL_PORT: 'abc' })).env);
    expect(await run.closed).toEqual({ code: 1, signal: null });
    expect(run.output()).toMatch(/AIRLOCK_TEMPORAL_PORT/);
    expect(await processesUsing(dataDir)).toEqual([]);
  }, 120_000);
});
