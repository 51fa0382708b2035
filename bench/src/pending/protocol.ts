/** What the benchmark asks the worker process and what it answers (over Node's IPC channel). */
export type ChildRequest = 'memory' | 'stop';

export interface WorkerMemory {
  /** After a full GC of the main thread and of every workflow thread. */
  rssMiB: number;
  /** After the main thread's GC only, before the workflow threads': the meter's figure until 4 Dec 2026. */
  rssMainThreadGcOnlyMiB: number;
  /** Worker threads (the SDK's workflow threads) collected. */
  threadsCollected: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  heapLimitMiB: number;
  cachedWorkflows: number;
  maxCachedWorkflows: number;
}

export type ChildReply = { kind: 'ready'; memory: WorkerMemory } | { kind: 'memory'; memory: WorkerMemory };
