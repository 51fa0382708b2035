import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuProfileArgs } from '../infra/cpu-profile.js';
import type { ChildReply, ChildRequest, WorkerMemory } from './protocol.js';

const CHILD = fileURLToPath(new URL('./worker-child.ts', import.meta.url));
const NO_VM_TIMEOUT = fileURLToPath(new URL('./no-vm-timeout.cjs', import.meta.url));

/** BENCH_NO_VM_TIMEOUT=1: the workers' sandbox calls without the SDK's per-call vm timeout (a measurement; see no-vm-timeout.cjs). */
export const noVmTimeout = (env: NodeJS.ProcessEnv = process.env): boolean => env.BENCH_NO_VM_TIMEOUT === '1';

export interface PendingWorker {
  pid: number;
  /** Memory after a full GC, with the worker's cache size and fill. */
  memory(): Promise<WorkerMemory>;
  /** Drains and exits. */
  stop(): Promise<void>;
}

/** Starts worker-child.ts; resolves once its worker polls. `cache` overrides Airlock's default maxCachedWorkflows; `bare`: a plain Temporal worker. */
export async function startPendingWorker(address: string, databaseUrl: string, taskQueue: string, cache?: number, mode: 'airlock' | 'bare' = 'airlock'): Promise<PendingWorker> {
  const child: ChildProcess = fork(CHILD, [address, databaseUrl, taskQueue, cache !== undefined ? String(cache) : '', mode], {
    // BENCH_WORKER_CPU_PROF=DIR: a V8 CPU profile of each worker process (bare and Airlock), written when it exits.
    execArgv: ['--import', 'tsx', '--expose-gc', ...cpuProfileArgs(process.env.BENCH_WORKER_CPU_PROF), ...(noVmTimeout() ? ['--require', NO_VM_TIMEOUT] : [])],
    // The SDK's log lines go to stderr with the benchmark's progress, never into the report on stdout.
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = (kind: ChildReply['kind']) =>
    new Promise<WorkerMemory>((resolve, reject) => {
      const onMessage = (reply: ChildReply) => {
        if (reply.kind !== kind) return;
        child.off('message', onMessage);
        resolve(reply.memory);
      };
      child.on('message', onMessage);
      void exited.then(() => reject(new Error(`the benchmark worker (pid ${child.pid}) exited`)));
    });
  const send = (request: ChildRequest) => child.send(request);
  await next('ready');
  return {
    pid: child.pid!,
    memory() {
      const reply = next('memory');
      send('memory');
      return reply;
    },
    async stop() {
      if (child.exitCode === null) send('stop');
      await exited;
    },
  };
}
