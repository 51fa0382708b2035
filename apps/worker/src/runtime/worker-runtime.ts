import { setTimeout as sleep } from 'node:timers/promises';
import { IllegalStateError, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { TemporalConnectionSettings } from '@airlock/core/temporal';
import { temporalLogger, type Logger } from '@airlock/telemetry';
import { createAirlockWorker, type AirlockWorkerOptions } from '../worker.js';

export interface TemporalRuntimeOptions {
  logger: Logger;
  /** host:port for Temporal Core's own Prometheus endpoint (TEMPORAL_METRICS_BIND); unset = off. */
  metricsBind?: string | undefined;
}

/**
 * The SDK runtime logging through our logger (so worker, workflow and Core
 * messages are the same redacted JSON lines) and without its own signal
 * handlers (by default it shuts workers down on SIGINT/SIGTERM by itself): the
 * entry point decides the shutdown order. Call before the first connection.
 */
export function installTemporalRuntime(options: TemporalRuntimeOptions): void {
  Runtime.install({
    logger: temporalLogger(options.logger.child({ component: 'temporal' })),
    shutdownSignals: [],
    ...(options.metricsBind ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.metricsBind } } } } : {}),
  });
}

const GRPC_NOT_FOUND = 5;

export interface ConnectOptions {
  namespace: string;
  /** Keep retrying this long while the server is unreachable (it may still be starting). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called once, on the first failed attempt. */
  onWaiting?: (reason: string) => void;
}

/** A worker connection to a Temporal whose namespace exists, retrying while the server comes up. */
export async function connectToTemporal(settings: TemporalConnectionSettings, options: ConnectOptions): Promise<NativeConnection> {
  const deadline = Date.now() + options.timeoutMs;
  let waiting = false;
  for (;;) {
    options.signal?.throwIfAborted();
    let connection: NativeConnection | undefined;
    try {
      connection = await NativeConnection.connect(settings);
      await connection.workflowService.describeNamespace({ namespace: options.namespace });
      return connection;
    } catch (error) {
      await connection?.close().catch(() => undefined);
      const reason = error instanceof Error ? error.message : String(error);
      if ((error as { code?: unknown }).code === GRPC_NOT_FOUND) {
        throw new Error(`Temporal at ${settings.address} has no namespace "${options.namespace}" (TEMPORAL_NAMESPACE): ${reason}`, { cause: error });
      }
      if (Date.now() > deadline) throw new Error(`cannot reach Temporal at ${settings.address}: ${reason}`, { cause: error });
      if (!waiting) options.onWaiting?.(reason);
      waiting = true;
      await sleep(250, undefined, options.signal ? { signal: options.signal } : {});
    }
  }
}

/** Closes the connection unless a worker that did not drain still holds it; exiting releases both. */
export async function closeConnection(connection: NativeConnection): Promise<void> {
  try {
    await connection.close();
  } catch (error) {
    if (!(error instanceof IllegalStateError)) throw error;
  }
}

export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker has stopped; rejects on a fatal worker error. */
  finished: Promise<void>;
  /**
   * Stops polling and lets in-flight tasks finish. A task that never finishes
   * (say, a local activity retrying against a broken dependency) must not hold
   * the process forever: after `drainTimeoutMs` this gives up and throws;
   * Temporal hands the unfinished task to a worker again once one polls.
   */
  stop(drainTimeoutMs?: number): Promise<void>;
}

export async function runAirlockWorker(options: AirlockWorkerOptions): Promise<RunningWorker> {
  const worker = await createAirlockWorker(options);
  const finished = worker.run();
  return {
    worker,
    finished,
    async stop(drainTimeoutMs = 25_000) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      const drained = await Promise.race([finished.then(() => true), sleep(drainTimeoutMs).then(() => false)]);
      if (!drained) {
        throw new Error(`it did not drain within ${drainTimeoutMs / 1000} s (a task is still running or retrying); Temporal will retry it after the next start`);
      }
    },
  };
}
