import { createRequire } from 'node:module';
import { createActivities, defaultActivityDeps, type ActivityDeps } from '@airlock/activities';
import type { Db } from '@airlock/db';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

const require = createRequire(import.meta.url);

/** The workflows entry point, resolved through the package so it works from any cwd. */
export const workflowsPath = require.resolve('@airlock/workflows');

/** Bundles the workflow code once; production and tests reuse the bundle. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export interface AirlockWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  workflowBundle: WorkflowBundleWithSourceMap;
  deps?: ActivityDeps;
  identity?: string;
}

/** The composition root: real deps into activities, workflows from the prebuilt bundle. */
export function createAirlockWorker(options: AirlockWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle,
    activities: createActivities(options.deps ?? defaultActivityDeps(options.db)),
    ...(options.identity ? { identity: options.identity } : {}),
  });
}
