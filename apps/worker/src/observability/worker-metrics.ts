import type { Worker } from '@temporalio/worker';
import { Gauge } from 'prom-client';
import type { WorkerMetrics } from './metrics.js';

/**
 * The Temporal worker's own counts, read from `worker.getStatus()` at scrape
 * time: cheap, and enough to see a worker that stopped polling or is saturated.
 * (Temporal Core's full metric set is available on its own endpoint: TEMPORAL_METRICS_BIND.)
 */
export function exposeWorkerStatus(metrics: WorkerMetrics, worker: Worker): void {
  const gauge = (name: string, help: string, read: (status: ReturnType<Worker['getStatus']>) => number) =>
    new Gauge({
      name,
      help,
      registers: [metrics.registry],
      collect() {
        this.set(read(worker.getStatus()));
      },
    });
  gauge('airlock_worker_running', 'Whether the Temporal worker is polling its task queue (1) or not (0).', (s) => (s.runState === 'RUNNING' ? 1 : 0));
  gauge('airlock_worker_cached_workflows', 'Workflows in the sticky cache (pending approvals mostly wait here).', (s) => s.numCachedWorkflows);
  gauge('airlock_worker_workflow_activations_in_flight', 'Workflow activations being processed.', (s) => s.numInFlightWorkflowActivations);
  gauge('airlock_worker_activities_in_flight', 'Activities running (tool runs and bookkeeping).', (s) => s.numInFlightActivities);
}
