import type { Db } from '@airlock/db';
import { startTracing, tracingConfig, type Logger, type TelemetryEnv, type Tracing } from '@airlock/telemetry';
import type { Worker } from '@temporalio/worker';
import { WorkerMetrics } from '../observability/metrics.js';
import { startProbeServer } from '../observability/probe-server.js';
import { databaseReachable, workerRunning } from '../observability/readiness.js';
import type { Lifecycle } from './lifecycle.js';

export interface WorkerObservability {
  logger: Logger;
  /** Undefined when tracing is off (no OTLP endpoint). */
  tracing: Tracing | undefined;
  metrics: WorkerMetrics;
  /** What `/readyz` checks, filled in as start-up reaches them. */
  probes: { db?: Db; worker?: Worker };
  /** The `/metrics`, `/healthz`, `/readyz` server, when one runs. */
  probeUrl: string | undefined;
}

interface ObservabilityEnv extends TelemetryEnv {
  AIRLOCK_WORKER_METRICS_PORT?: number | undefined;
  AIRLOCK_WORKER_METRICS_HOST: string;
}

/**
 * Tracing, metrics and the probe server, first thing at start-up so `/healthz`
 * answers (and `/readyz` says why not) while the rest starts; registered to stop
 * last, so spans of the final drain still leave.
 */
export async function startObservability(env: ObservabilityEnv, logger: Logger, lifecycle: Lifecycle): Promise<WorkerObservability> {
  const config = tracingConfig(env, 'airlock-worker');
  const tracing = await startTracing(config, { logger });
  if (tracing && config) {
    lifecycle.onStop('trace exporter (flushed)', () => tracing.shutdown());
    logger.info(`tracing: spans go to ${config.url} (${config.protocol}) as ${config.serviceName}`);
  }
  const metrics = new WorkerMetrics();
  const probes: WorkerObservability['probes'] = {};
  let probeUrl: string | undefined;
  if (env.AIRLOCK_WORKER_METRICS_PORT !== undefined) {
    const server = await startProbeServer({
      host: env.AIRLOCK_WORKER_METRICS_HOST,
      port: env.AIRLOCK_WORKER_METRICS_PORT,
      registry: metrics.registry,
      readiness: [workerRunning(() => probes.worker), databaseReachable(() => probes.db)],
      logger,
    });
    lifecycle.onStop('metrics server', () => server.close());
    probeUrl = server.url;
    logger.info(`metrics and probes at ${server.url}/metrics, /healthz, /readyz`);
  }
  return { logger, tracing, metrics, probes, probeUrl };
}
