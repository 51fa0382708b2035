import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { AuditFeed, forecastApproval, policyFromFile } from '@airlock/console';
import { workflowIdForAction, type ActionRequest } from '@airlock/core';
import { getActionStatus } from '@airlock/core/gateway';
import { createAgent, createApiKey, createDb, createUser, type Db } from '@airlock/db';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';
import type { Cleanup } from '../infra/cleanup.js';
import { createScratchDatabase } from '../infra/database.js';
import { EAGER_ACTIVITY_ARGS, FAST_DISPATCH_ARGS, startTemporal } from '../infra/temporal.js';
import type { PendingServer } from '../suite-config.js';
import { runBareWaiting, type BareWaiting } from './bare.js';
import { measurePendingLatency, type PendingLatency } from './latency.js';
import { startPendingActions } from './load.js';
import type { WorkerMemory } from './protocol.js';
import type { TargetCheck } from '../targets.js';
import { pendingTargets } from './targets.js';
import { workflowTaskDurations, type WorkflowTaskDurations } from './task-durations.js';
import { startPendingWorker } from './worker-process.js';

export interface PendingBenchConfig {
  count: number;
  /** maxCachedWorkflows of the second worker, which holds every pending workflow; 0 skips that phase. */
  fullCache: number;
  concurrency: number;
  samples: number;
  /** Decisions each sent after a quiet spell (latency.ts, IDLE_GAP_MS), on the default cache only. */
  quietDecisions: number;
  pgUrl: string;
  temporalCli: string | undefined;
  /** The dev server: as it comes, or with fast dispatch and eager activities. */
  server: PendingServer;
}

export interface CachePhase {
  worker: WorkerMemory;
  temporalRssMiB: number | undefined;
  latency: PendingLatency;
}

export interface PendingBenchResults {
  server: PendingServer;
  count: number;
  agents: number;
  /** The worker before any action: the baseline the pending ones add to. */
  idle: WorkerMemory;
  /** Worker memory while the actions were being admitted (about every 30 s), and when each reading (its forced GCs) ran: epoch ms. */
  growth: { waiting: number; memory: WorkerMemory; from: number; to: number }[];
  /**
   * `allPendingSeconds`: until every approval row was open; `workflowsWaitingSeconds`: until every
   * workflow had taken admission's answer and waited (its histories). Admission counts until both:
   * `pendingPerSecond` is the count over the later of the two.
   */
  load: { startSeconds: number; startsPerSecond: number; allPendingSeconds: number; workflowsWaitingSeconds: number; pendingPerSecond: number };
  defaultCache: CachePhase;
  /** The same number of bare workflows waiting for an Update, on a plain worker with the same cache size, before the guarded ones. */
  bare: BareWaiting;
  /** Every pending guarded workflow's history read for its longest workflow task. */
  workflowTasks: WorkflowTaskDurations;
  /** After a restart with a cache large enough for all: replaying every workflow into it, then the same figures. */
  fullCache?: CachePhase & Replay;
  databaseMiB: number;
  targets: TargetCheck[];
}

/** Runs rotate over agents so the default per-agent rate limit (600 a minute) never refuses one. */
const AGENTS = Array.from({ length: 32 }, (_, i) => `pending-agent-${i}`);
const AGENT_PROFILE = { team: 'pending', allowedTools: ['payments.*'] };
const APPROVER = 'pending-approver';

async function seed(db: Db): Promise<string> {
  await createUser(db, { id: APPROVER, role: 'approver' });
  for (const id of AGENTS) await createAgent(db, { id, ...AGENT_PROFILE });
  return (await createApiKey(db, { userId: APPROVER }, 'bench')).key;
}

async function rssMiB(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : undefined;
}

interface Replay {
  replaySeconds: number;
  /** Workflows whose query answered (within 5 attempts each, and the time limit). */
  replayed: number;
  replayedPerSecond: number;
  /** Query attempts that failed (each retried): a workflow task that overran the SDK's 5 s isolate limit shows up here. */
  failedAttempts: number;
  lastError?: string;
}

const REPLAY_LIMIT_MS = 15 * 60_000;

/**
 * Sends the status query to every workflow, `concurrency` at a time: each one
 * not in the worker's cache is replayed into it. A failed query is retried (up
 * to 5 attempts); after REPLAY_LIMIT_MS the rest are skipped and counted as not replayed.
 */
async function queryAll(client: Parameters<typeof getActionStatus>[0], ids: readonly string[], concurrency: number): Promise<Replay> {
  const start = performance.now();
  const stopAt = Date.now() + REPLAY_LIMIT_MS;
  let next = 0;
  let replayed = 0;
  let failedAttempts = 0;
  let lastError: string | undefined;
  const querier = async () => {
    while (next < ids.length && Date.now() < stopAt) {
      const id = ids[next++]!;
      for (let attempt = 1; attempt <= 5; attempt++) {
        try {
          await getActionStatus(client, id);
          replayed++;
          break;
        } catch (error) {
          failedAttempts++;
          lastError = error instanceof Error ? error.message : String(error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, querier));
  const replaySeconds = (performance.now() - start) / 1000;
  return { replaySeconds, replayed, replayedPerSecond: replayed / replaySeconds, failedAttempts, ...(lastError ? { lastError } : {}) };
}

/**
 * 10,000 (by default) real guardedAction workflows waiting for approval: how
 * long they take to start, what the worker holds for them (with the SDK's
 * default workflow cache, then with one that holds all of them), and what
 * listing, querying and deciding cost while they wait.
 */
export async function runPendingBench(config: PendingBenchConfig, cleanup: Cleanup, log: (line: string) => void): Promise<PendingBenchResults> {
  const serverArgs = config.server === 'fast' ? [...FAST_DISPATCH_ARGS, ...EAGER_ACTIVITY_ARGS] : [];
  const [temporal, scratch] = await Promise.all([startTemporal(config.temporalCli, serverArgs), createScratchDatabase(config.pgUrl)]);
  cleanup.add('pending: Temporal dev server', () => temporal.teardown());
  cleanup.add(`database ${scratch.name}`, () => scratch.drop());
  const db = createDb(scratch.url, { poolSize: 4 });
  cleanup.add('pending: database pool', () => db.close());
  const approverKey = await seed(db);
  const taskQueue = `bench-pending-${randomBytes(3).toString('hex')}`;
  // The console's audit feed, as in runtime-context.ts: it tells an approval's wait when the decision is stored.
  const auditFeed = new AuditFeed(db, scratch.url);
  cleanup.add('pending: audit feed', () => Promise.resolve(auditFeed.close()));
  const ctx = { db, temporal: temporal.client, taskQueue, policy: policyFromFile(DEFAULT_POLICY_FILE), actionWatch: auditFeed };

  const bare = await runBareWaiting(temporal.client, temporal.address, config.count, config.concurrency, log);
  log(`pending: bare: ${JSON.stringify(bare)}`);

  let worker = await startPendingWorker(temporal.address, scratch.url, taskQueue);
  cleanup.add('pending: worker', () => worker.stop());
  const idle = await worker.memory();
  log(`pending: worker pid ${worker.pid} ready (cache ${idle.maxCachedWorkflows} workflows); starting ${config.count} actions that wait for approval`);

  const growth: PendingBenchResults['growth'] = [];
  const onProgress = async (waiting: number) => {
    const from = Date.now();
    const memory = await worker.memory();
    growth.push({ waiting, memory, from, to: Date.now() });
  };
  // The REST handler's forecast (POST /api/v1/actions), with the policy and the agents' rows it would read.
  const { policy } = await ctx.policy.read();
  const expectsApproval = (request: ActionRequest) => forecastApproval(policy, { id: request.agentId, owner: null, ...AGENT_PROFILE }, request);
  const load = await startPendingActions(
    temporal.client,
    db,
    taskQueue,
    { count: config.count, concurrency: config.concurrency, agents: AGENTS, expectsApproval, onProgress },
    log,
  );
  log(`pending: all ${config.count} waiting after ${load.allPendingSeconds.toFixed(1)} s; measuring`);
  const defaultCache: CachePhase = {
    worker: await worker.memory(),
    temporalRssMiB: await rssMiB(temporal.pid),
    latency: await measurePendingLatency(ctx, db, approverKey, config.samples, config.quietDecisions),
  };
  // On stderr at once: the next phase is long and may fail, and these figures must not be lost with it.
  const { actionIds: _ids, ...loadFigures } = load;
  log(`pending: default cache: ${JSON.stringify({ load: loadFigures, growth, defaultCache })}`);

  let fullCache: PendingBenchResults['fullCache'];
  if (config.fullCache > 0) {
    await worker.stop();
    worker = await startPendingWorker(temporal.address, scratch.url, taskQueue, config.fullCache);
    log(`pending: worker restarted with a cache of ${config.fullCache}; replaying every workflow into it`);
    const replay = await queryAll(temporal.client, load.actionIds, 16);
    log(`pending: replay: ${JSON.stringify(replay)}`);
    fullCache = {
      ...replay,
      worker: await worker.memory(),
      temporalRssMiB: await rssMiB(temporal.pid),
      latency: await measurePendingLatency(ctx, db, approverKey, config.samples),
    };
  }
  await worker.stop();
  log(`pending: reading ${load.actionIds.length} histories for their workflow tasks`);
  const workflowTasks = await workflowTaskDurations(temporal.client, load.actionIds.map(workflowIdForAction));
  log(`pending: workflow tasks: ${JSON.stringify(workflowTasks)}`);
  const admittedSeconds = Math.max(load.allPendingSeconds, load.workflowsWaitingSeconds);
  const size = await db.pool.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes');
  const results: Omit<PendingBenchResults, 'targets'> = {
    server: config.server,
    count: config.count,
    agents: AGENTS.length,
    idle,
    growth,
    load: {
      startSeconds: load.startSeconds,
      startsPerSecond: config.count / load.startSeconds,
      allPendingSeconds: load.allPendingSeconds,
      workflowsWaitingSeconds: load.workflowsWaitingSeconds,
      // NaN (a workflow that never waited) makes the target fail rather than pass.
      pendingPerSecond: config.count / (Number.isNaN(admittedSeconds) ? Number.NaN : admittedSeconds),
    },
    defaultCache,
    bare,
    workflowTasks,
    ...(fullCache ? { fullCache } : {}),
    databaseMiB: Number(size.rows[0]?.bytes ?? 0) / 2 ** 20,
  };
  return { ...results, targets: pendingTargets(results) };
}
