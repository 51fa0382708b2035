import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { bareDecide } from '../bare/workflows.js';
import { withRetries } from './load.js';
import { allWaitingAt } from './task-durations.js';
import type { WorkerMemory } from './protocol.js';
import { startPendingWorker } from './worker-process.js';

export interface BareWaiting {
  /** Bare workflows started; each waits for one Update. */
  count: number;
  idle: WorkerMemory;
  /** With all of them started and (up to the cache size) cached. */
  loaded: WorkerMemory;
  /** Updates sent to some of them at the end (evicted ones are replayed first); all must answer. */
  decided: number;
  /** Until every start call had returned: the bare start rate admission is compared with. */
  startSeconds: number;
  startsPerSecond: number;
  /** Until every bare workflow waited (its first workflow task completed), from their histories: the like-for-like figure. */
  allWaitingSeconds: number;
  waitingPerSecond: number;
}

/**
 * The baseline for memory per cached workflow: `count` workflows that only wait for an
 * Update, on a plain Temporal worker (a process of its own, same cache size as Airlock's
 * worker), measured in the same run as the guarded ones.
 */
export async function runBareWaiting(client: Client, address: string, count: number, concurrency: number, log: (line: string) => void): Promise<BareWaiting> {
  const taskQueue = `bench-bare-pending-${randomBytes(3).toString('hex')}`;
  const worker = await startPendingWorker(address, '', taskQueue, undefined, 'bare');
  try {
    const idle = await worker.memory();
    const ids = Array.from({ length: count }, (_, i) => `bare-pending-${taskQueue}-${i}`);
    let next = 0;
    const starter = async () => {
      while (next < ids.length) {
        const workflowId = ids[next++]!;
        // A retried start whose first attempt got through finds the workflow already started: that one counts.
        await withRetries(
          () =>
            client.workflow.start('bareAwaitDecision', { taskQueue, workflowId, args: [] }).catch((error: unknown) => {
              if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
            }),
          log,
        );
      }
    };
    const began = performance.now();
    const startedAtMs = Date.now();
    await Promise.all(Array.from({ length: concurrency }, starter));
    const startSeconds = (performance.now() - began) / 1000;
    const expected = Math.min(count, idle.maxCachedWorkflows);
    const deadline = Date.now() + Math.max(120_000, count * 100);
    let loaded = await worker.memory();
    while (loaded.cachedWorkflows < expected && Date.now() < deadline) {
      await sleep(1_000);
      loaded = await worker.memory();
    }
    const allWaitingSeconds = ((await allWaitingAt(client, ids, deadline)) - startedAtMs) / 1000;
    // Read again once every bare workflow waits, as the guarded worker is read once every action waits:
    // not while the last first workflow tasks are still running.
    loaded = await worker.memory();
    log(`pending: ${count} bare workflows waiting for an Update (all after ${allWaitingSeconds.toFixed(1)} s), ${loaded.cachedWorkflows} cached`);
    // Decisions still work on evicted workflows: the first ones started are the least recently used.
    const sample = ids.slice(0, Math.min(20, ids.length));
    await Promise.all(sample.map((id) => client.workflow.getHandle(id).executeUpdate(bareDecide, { args: ['approve'] })));
    return { count, idle, loaded, decided: sample.length, startSeconds, startsPerSecond: count / startSeconds, allWaitingSeconds, waitingPerSecond: count / allWaitingSeconds };
  } finally {
    await worker.stop();
  }
}
