import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type NativeConnection } from '@temporalio/worker';
import * as activities from './activities.js';

export const BARE_WORKFLOW = 'bareEcho';
/** The decision floor's workflow and its Update (bareDecideThenRun, bareDecide). */
export const BARE_DECIDE_WORKFLOW = 'bareDecideThenRun';
export const BARE_DECIDE_UPDATE = 'decide';

const silent = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error };

/** A plain Temporal worker on its own task queue with its own workflow bundle. */
export async function createBareWorker(connection: NativeConnection, taskQueue: string): Promise<Worker> {
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
    logger: silent,
  });
  return Worker.create({ connection, namespace: 'default', taskQueue, workflowBundle, activities });
}
