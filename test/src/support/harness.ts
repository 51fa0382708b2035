import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { defaultActivityDeps, type ActivityDeps } from '@airlock/activities';
import { createAgent, createUser, type Db } from '@airlock/db';
import { DEFAULT_POLICY_FILE, PolicyStore } from '@airlock/policy/files';
import { createAirlockWorker, type AirlockWorkerOptions } from '@airlock/worker';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from './database.js';
import { quietTemporalRuntime } from './runtime.js';

export interface Harness {
  db: Db;
  database: TestDatabase;
  client: Client;
  taskQueue: string;
  /** Starts a worker on this harness's task queue (one may already run). */
  startWorker(deps?: ActivityDeps): Promise<RunningWorker>;
  worker: RunningWorker;
  close(): Promise<void>;
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

let bundle: WorkflowBundleWithSourceMap | undefined;
async function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= JSON.parse(await readFile(inject('workflowBundlePath'), 'utf8')) as WorkflowBundleWithSourceMap;
  return bundle;
}

/** Real Temporal (shared dev server), real PostgreSQL (fresh database), a real worker on a private task queue. */
export async function startHarness(
  options: {
    deps?: (db: Db) => ActivityDeps;
    dataConverter?: DataConverter;
    /** For every worker of the harness, e.g. tracing with its own workflow bundle. */
    worker?: Pick<AirlockWorkerOptions, 'tracing' | 'workflowBundle'>;
  } = {},
): Promise<Harness> {
  quietTemporalRuntime();
  const address = inject('temporalAddress');
  const database = await createTestDatabase();
  const connection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection, ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}) });
  const taskQueue = `airlock-test-${randomBytes(4).toString('hex')}`;
  const workers: RunningWorker[] = [];
  const makeDeps = options.deps ?? ((db: Db) => defaultActivityDeps(db, defaultPolicy()));

  const startWorker = async (deps = makeDeps(database.db)): Promise<RunningWorker> => {
    const worker = await createAirlockWorker({
      connection,
      namespace: 'default',
      taskQueue,
      db: database.db,
      deps,
      workflowBundle: await workflowBundle(),
      ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
      ...options.worker,
    });
    const running = worker.run();
    const handle: RunningWorker = {
      worker,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      },
    };
    workers.push(handle);
    return handle;
  };

  const worker = await startWorker();
  return {
    db: database.db,
    database,
    client,
    taskQueue,
    worker,
    startWorker,
    async close() {
      for (const w of workers) await w.stop();
      await connection.close();
      await clientConnection.close();
      await database.drop();
    },
  };
}

/**
 * The workflow tests' usual bed: a harness started before the file's tests, with `seedTeam`'s people and agent, and
 * closed after them. Its fields are filled in by `beforeAll`: read them in tests and hooks, not while the file loads.
 */
export function useSeededHarness(options?: Parameters<typeof startHarness>[0]): Harness {
  const bed = {} as Harness;
  let started: Harness | undefined;
  beforeAll(async () => {
    started = await startHarness(options);
    Object.assign(bed, started);
    await seedTeam(started.db);
  });
  afterAll(async () => {
    await started?.close();
  });
  return bed;
}

/** The bundled default policy (packages/policy/policies/default.yaml). */
export function defaultPolicy(): PolicyStore {
  return new PolicyStore(DEFAULT_POLICY_FILE);
}

/** People and an agent for approval tests: an approver, a second approver, a viewer, the agent's owner. */
export async function seedTeam(db: Db) {
  const owner = await createUser(db, { id: 'owner', role: 'approver' });
  const alice = await createUser(db, { id: 'alice', role: 'approver' });
  const bob = await createUser(db, { id: 'bob', role: 'admin' });
  const victor = await createUser(db, { id: 'victor', role: 'viewer' });
  const agent = await createAgent(db, { id: 'billing-bot', team: 'billing', ownerId: owner.id, allowedTools: ['payments.*', 'demo.*'] });
  return { owner, alice, bob, victor, agent };
}
