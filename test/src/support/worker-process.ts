import { createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './binaries.js';
import { spawnChild, type Child } from './child.js';

export interface WorkerProcessSettings {
  temporalAddress: string;
  databaseUrl: string;
  taskQueue: string;
  /** AIRLOCK_POLICY_FILE; unset = the bundled default policy. */
  policyFile?: string;
  /** Everything the worker prints is appended here as well. */
  logFile?: string;
  /** AIRLOCK_TEST_KILL_POINT: the worker SIGKILLs itself at this step of the decision path. */
  killPoint?: string;
  /** AIRLOCK_TOOLS_MODULE: a tools module of the test's own, loaded at start. */
  toolsModule?: string;
  /** AIRLOCK_WORKFLOW_BUNDLE: a bundle written once (global setup's), so the start skips bundling. */
  workflowBundlePath?: string;
}

export interface WorkerProcess extends Child {
  /** How Temporal names this worker in histories and pending activities (the SDK default, `<pid>@<host>`). */
  readonly identity: string;
}

const READY = /Airlock worker is ready/;

/**
 * `npm run worker` as an operator runs it to scale out: the standalone worker
 * entry (apps/worker/src/main.ts) in a process of its own, configured only
 * through its environment. Started with node directly (not npm or npx) so the
 * pid is the worker's own and SIGKILL hits exactly it.
 */
// An upper bound, not a speed check: at a load of 30 on two cores a start (tsx compiling the
// worker, bundling the workflows unless given a bundle) was seen taking over 90 s.
export async function startWorkerProcess(settings: WorkerProcessSettings, readyTimeoutMs = 300_000): Promise<WorkerProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: settings.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: settings.taskQueue,
    DATABASE_URL: settings.databaseUrl,
    // The ready line is an info log line (JSON here: not a terminal).
    LOG_LEVEL: 'info',
    // Several workers run side by side: each takes a free port for /metrics and the probes.
    AIRLOCK_WORKER_METRICS_PORT: '0',
  };
  // The test runner's own loader hooks, and payload keys or tool configs from the caller's shell, must not leak into the worker.
  for (const name of ['NODE_OPTIONS', 'AIRLOCK_PAYLOAD_KEYS', 'AIRLOCK_TOOLS_CONFIG', 'AIRLOCK_TOOLS_MODULE', 'AIRLOCK_TEST_KILL_POINT', 'AIRLOCK_WORKFLOW_BUNDLE'])
    delete env[name];
  if (settings.killPoint) env.AIRLOCK_TEST_KILL_POINT = settings.killPoint;
  if (settings.workflowBundlePath) env.AIRLOCK_WORKFLOW_BUNDLE = settings.workflowBundlePath;
  if (settings.toolsModule) env.AIRLOCK_TOOLS_MODULE = settings.toolsModule;
  if (settings.policyFile) env.AIRLOCK_POLICY_FILE = settings.policyFile;
  else delete env.AIRLOCK_POLICY_FILE;
  const child = await spawnChild('worker', process.execPath, ['--import', 'tsx', path.join(repoRoot, 'apps/worker/src/main.ts')], { cwd: repoRoot, env });
  if (settings.logFile) {
    const log = createWriteStream(settings.logFile, { flags: 'a' });
    child.process.stdout?.pipe(log);
    child.process.stderr?.pipe(log);
  }
  const worker: WorkerProcess = Object.assign(child, { identity: `${child.pid}@${os.hostname()}` });
  try {
    await child.waitForLine(READY, readyTimeoutMs);
  } catch (error) {
    await child.stop('SIGKILL');
    throw error;
  }
  return worker;
}
