import type { Db } from '@airlock/db';
import type { NativeConnection, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { errorMessage, type Lifecycle } from './lifecycle.js';
import { runAirlockWorker } from './worker-runtime.js';
import { workerSettings } from './worker-settings.js';

export interface SupervisedWorkerOptions {
  lifecycle: Lifecycle;
  connection: NativeConnection;
  db: Db;
  workflowBundle: WorkflowBundleWithSourceMap;
  env: Parameters<typeof workerSettings>[0] & { TEMPORAL_NAMESPACE: string; TEMPORAL_TASK_QUEUE: string };
  log: (line: string) => void;
}

/**
 * The worker as both entry points run it: policy, codec and tools from the env,
 * drained on stop, and a worker that ends by itself fails the whole process.
 */
export async function startSupervisedWorker(options: SupervisedWorkerOptions): Promise<void> {
  const { lifecycle, env } = options;
  const settings = await workerSettings(env, options.log);
  lifecycle.onStop('policy watcher', async () => settings.stop());
  const worker = await runAirlockWorker({
    connection: options.connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    db: options.db,
    workflowBundle: options.workflowBundle,
    policy: settings.policy,
    tools: settings.tools,
    dataConverter: settings.dataConverter,
  });
  lifecycle.onStop('worker (drained)', () => worker.stop());
  void worker.finished.then(
    () => lifecycle.fail('the worker stopped unexpectedly'),
    (error: unknown) => lifecycle.fail(`the worker failed: ${errorMessage(error)}`),
  );
}
