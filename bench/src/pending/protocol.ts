/** What the benchmark asks the worker process and what it answers (over Node's IPC channel). */
export type ChildRequest = 'memory' | 'stop';

export interface WorkerMemory {
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  heapLimitMiB: number;
  cachedWorkflows: number;
  maxCachedWorkflows: number;
}

export type ChildReply = { kind: 'ready'; memory: WorkerMemory } | { kind: 'memory'; memory: WorkerMemory };
