import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrate, type Db } from '@airlock/db';
import { bundleWorkflows } from '@airlock/worker';
import { Client, Connection } from '@temporalio/client';
import { PostgresServer } from '../support/postgres-server.js';
import { TemporalDevServer } from '../support/temporal-server.js';
import type { SoakConfig } from './config.js';
import { WorkerFleet } from './fleet.js';
import { writeSoakPolicy } from './policy.js';
import { seedSoak, soakBudgets, type SoakBudgets } from './seed.js';
import { startSoakSlack, type SoakSlack } from './slack.js';

const TASK_QUEUE = 'airlock-soak';

export interface SoakEnvironment {
  /** Logs of the workers and the soak policy. */
  dir: string;
  postgres: PostgresServer;
  temporal: TemporalDevServer;
  db: Db;
  client: Client;
  fleet: WorkerFleet;
  taskQueue: string;
  budgets: SoakBudgets;
  /** The Slack app (Bolt and notifier) against the fake Slack Web API: its messages are checked too. */
  slack: SoakSlack;
  /** Stops everything; removes the data directories unless `keep` (then their paths are returned). */
  close(keep: boolean): Promise<string[]>;
}

type Undo = () => Promise<void>;

/**
 * Everything the soak owns and may break: its own PostgreSQL and Temporal dev
 * server (SQLite file), a migrated and seeded database, and the worker
 * processes. A failure halfway stops what had started.
 */
export async function startEnvironment(config: SoakConfig, log: (line: string) => void): Promise<SoakEnvironment> {
  const undo: Undo[] = [];
  const dirs: string[] = [];
  const unwind = async () => {
    for (const step of undo.reverse()) await step().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
  };
  try {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-soak-'));
    dirs.push(dir);
    // One workflow bundle for every worker the chaos starts (bundling is seconds of CPU per start).
    const workflowBundlePath = path.join(dir, 'workflow-bundle.json');
    const [pgStart, temporalStart, bundled] = await Promise.allSettled([
      PostgresServer.create(),
      TemporalDevServer.create(),
      bundleWorkflows().then((bundle) => writeFile(workflowBundlePath, JSON.stringify(bundle))),
    ]);
    for (const started of [pgStart, temporalStart]) {
      if (started.status !== 'fulfilled') continue;
      dirs.push(started.value.dataDir);
      undo.push(() => started.value.stop());
    }
    if (pgStart.status === 'rejected') throw pgStart.reason;
    if (temporalStart.status === 'rejected') throw temporalStart.reason;
    if (bundled.status === 'rejected') throw bundled.reason;
    const postgres = pgStart.value;
    const temporal = temporalStart.value;
    log(`PostgreSQL on port ${postgres.port} (${postgres.dataDir}), Temporal dev server at ${temporal.address} (${temporal.dataDir})`);
    const databaseUrl = await postgres.createDatabase('airlock');
    await migrate(databaseUrl);
    const db = createDb(databaseUrl, { poolSize: 4 });
    undo.push(() => db.close());
    const budgets = soakBudgets(config.actions);
    await seedSoak(db, budgets);
    const policyFile = await writeSoakPolicy(dir, config.timeoutDeadlineMs);
    const fleet = new WorkerFleet({ temporalAddress: temporal.address, databaseUrl, taskQueue: TASK_QUEUE, policyFile, workflowBundlePath }, dir, log);
    undo.push(() => fleet.stop());
    await fleet.start(config.workers);
    log(`${config.workers} worker processes ready`);
    const connection = await Connection.connect({ address: temporal.address });
    undo.push(() => connection.close());
    const client = new Client({ connection });
    const slack = await startSoakSlack(databaseUrl, client);
    undo.push(() => slack.stop());
    return {
      dir,
      postgres,
      temporal,
      db,
      client,
      fleet,
      taskQueue: TASK_QUEUE,
      budgets,
      slack,
      async close(keep) {
        await unwind();
        if (keep) return dirs;
        await removeAll(dirs);
        return [];
      },
    };
  } catch (error) {
    await unwind();
    await removeAll(dirs);
    throw error;
  }
}

async function removeAll(dirs: readonly string[]): Promise<void> {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}
