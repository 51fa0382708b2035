import type { Db } from '@airlock/db';
import type { NativeConnection, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { countAuditEvents } from '../observability/audit-metrics.js';
import { countSandboxKills, exposeCircuitBreakers } from '../observability/tool-metrics.js';
import { exposeWorkerStatus } from '../observability/worker-metrics.js';
import { errorMessage, type Lifecycle } from './lifecycle.js';
import type { WorkerObservability } from './observability.js';
import { runAirlockWorker } from './worker-runtime.js';
import { workerSettings } from './worker-settings.js';

export interface SupervisedWorkerOptions {
  lifecycle: Lifecycle;
  connection: NativeConnection;
  db: Db;
  /** Bundled with `tracing: true` exactly when `observability.tracing` is set. */
  workflowBundle: WorkflowBundleWithSourceMap;
  env: Parameters<typeof workerSettings>[0] & { TEMPORAL_NAMESPACE: string; TEMPORAL_TASK_QUEUE: string };
  observability: WorkerObservability;
}

/**
 * The worker as both entry points run it: policy, codec and tools from the env,
 * metrics and tracing wired in, drained on stop, and a worker that ends by
 * itself fails the whole process.
 */
export async function startSupervisedWorker(options: SupervisedWorkerOptions): Promise<void> {
  const { lifecycle, env, db, observability } = options;
  const { logger, metrics } = observability;
  const settings = await workerSettings(env, (line) => logger.info(line), { onSandboxRun: countSandboxKills(metrics) });
  lifecycle.onStop('policy watcher', async () => settings.stop());
  if (settings.breakers) exposeCircuitBreakers(metrics, settings.breakers);
  const stopCounting = countAuditEvents(metrics, db, logger);
  lifecycle.onStop('audit metrics', async () => stopCounting());
  observability.probes.db = db;
  const worker = await runAirlockWorker({
    connection: options.connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    db,
    workflowBundle: options.workflowBundle,
    policy: settings.policy,
    tools: settings.tools,
    dataConverter: settings.dataConverter,
    ...(observability.tracing ? { tracing: observability.tracing } : {}),
  });
  lifecycle.onStop('worker (drained)', () => worker.stop());
  exposeWorkerStatus(metrics, worker.worker);
  observability.probes.worker = worker.worker;
  void worker.finished.then(
    () => lifecycle.fail('the worker stopped unexpectedly'),
    (error: unknown) => lifecycle.fail(`the worker failed: ${errorMessage(error)}`),
  );
}
