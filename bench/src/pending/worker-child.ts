import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import { createDb } from '@airlock/db';
import { fileURLToPath } from 'node:url';
import { createAirlockWorker, DEFAULT_MAX_CACHED_WORKFLOWS } from '@airlock/worker';
import { benchWorkflowBundle } from '../airlock/worker.js';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as bareActivities from '../bare/activities.js';
import { benchRuntimeOptions } from './core-log.js';
import type { ChildReply, ChildRequest, WorkerMemory } from './protocol.js';
import { collectThreadGarbage } from './thread-gc.js';

// The Airlock worker in a process of its own, so its memory is measured alone:
// the benchmark asks over IPC and this process answers with process.memoryUsage()
// after a full GC (node --expose-gc) of the main thread and the workflow threads, and the worker's cache figures.

// `bare`: a plain Temporal worker with the bare workflows (bench/src/bare), cached as many as Airlock's default.
const [address, databaseUrl, taskQueue, cacheArg, mode] = process.argv.slice(2) as [string, string, string, string, 'airlock' | 'bare'];
const send = (reply: ChildReply) => process.send!(reply);
const silent = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error };

Runtime.install(benchRuntimeOptions());
const connection = await NativeConnection.connect({ address });
const db = mode === 'bare' ? undefined : createDb(databaseUrl, { poolSize: 10 });
const cache = cacheArg ? { maxCachedWorkflows: Number(cacheArg) } : {};
const worker =
  mode === 'bare'
    ? await Worker.create({
        connection,
        namespace: 'default',
        taskQueue,
        workflowBundle: await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('../bare/workflows.ts', import.meta.url)), logger: silent }),
        activities: bareActivities,
        maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS,
        ...cache,
      })
    : await createAirlockWorker({ connection, namespace: 'default', taskQueue, db: db!, workflowBundle: await benchWorkflowBundle(), ...cache });

async function memory(): Promise<WorkerMemory> {
  // Twice: the first pass can leave work for finalizers that the second collects.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  // RSS with only the main thread collected (what this meter read until 4 Dec 2026), then with the
  // workflow threads collected too: their garbage is what their recent workflow tasks left, not what
  // the cached workflows hold.
  const mainOnly = process.memoryUsage().rss;
  const threads = await collectThreadGarbage();
  const usage = process.memoryUsage();
  return {
    rssMiB: usage.rss / 2 ** 20,
    rssMainThreadGcOnlyMiB: mainOnly / 2 ** 20,
    threadsCollected: threads,
    heapUsedMiB: usage.heapUsed / 2 ** 20,
    heapTotalMiB: usage.heapTotal / 2 ** 20,
    externalMiB: usage.external / 2 ** 20,
    heapLimitMiB: v8.getHeapStatistics().heap_size_limit / 2 ** 20,
    cachedWorkflows: worker.getStatus().numCachedWorkflows,
    maxCachedWorkflows: worker.options.maxCachedWorkflows,
  };
}

const running = worker.run();
process.on('message', (message: ChildRequest) => {
  if (message === 'memory') void memory().then((m) => send({ kind: 'memory', memory: m }));
  if (message === 'stop' && worker.getState() === 'RUNNING') worker.shutdown();
});
// The first poll is on its way once the worker is running.
while (worker.getState() !== 'RUNNING') await sleep(20);
send({ kind: 'ready', memory: await memory() });
await running;
await db?.close();
await connection.close();
process.exit(0);
