import type { Worker } from '@temporalio/worker';

export interface RunningWorker {
  stop(): Promise<void>;
}

/** Runs a worker in the background; `stop()` shuts it down and waits for it (rethrowing a crash). */
export function runInBackground(worker: Worker): RunningWorker {
  const running = worker.run();
  // A crash surfaces at stop(); until then keep it from being an unhandled rejection.
  running.catch(() => undefined);
  return {
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}
