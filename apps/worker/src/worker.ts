import { createRequire } from 'node:module';
import { createActivities, defaultActivityDeps, type ActivityDeps, type PolicySource, type ToolDefinition } from '@airlock/activities';
import { DEFAULT_POLICY_FILE, PolicyStore } from '@airlock/policy/files';
import type { Db } from '@airlock/db';
import type { DataConverter } from '@temporalio/common';
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
  /** The active policy; defaults to the bundled default policy file. */
  policy?: PolicySource;
  /** Tools beyond the demo pack (e.g. the built-in shell/http/sql/fs tools). */
  tools?: readonly ToolDefinition[];
  identity?: string;
  /** Must match the clients' (e.g. the payload encryption codec). */
  dataConverter?: DataConverter;
  /**
   * Workflows kept in memory between tasks. The SDK's default scales with the heap limit and fits it:
   * a cached Airlock workflow holds about 1.8 MiB of the workflow thread's heap, and a larger cache
   * than the heap allows ends the worker with an out-of-memory error (bench/README.md).
   */
  maxCachedWorkflows?: number;
}

/** The composition root: real deps into activities, workflows from the prebuilt bundle. */
export function createAirlockWorker(options: AirlockWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle,
    activities: createActivities(options.deps ?? defaultActivityDeps(options.db, options.policy ?? new PolicyStore(DEFAULT_POLICY_FILE), options.tools)),
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    // In-flight tools get time to finish (and record their result) before a shutdown cancels them.
    shutdownGraceTime: '10 seconds',
  });
}
