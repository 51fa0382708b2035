import { performance } from 'node:perf_hooks';
import { EnvError } from '@airlock/core/env';
import { createDb } from '@airlock/db';
import { createLogger } from '@airlock/telemetry';
import { readWorkerEnv, type WorkerEnv } from './env.js';
import { assertMigrated } from './runtime/migrations.js';
import { elapsed, Lifecycle } from './runtime/lifecycle.js';
import { startObservability } from './runtime/observability.js';
import { closeConnection, connectToTemporal, installTemporalRuntime } from './runtime/worker-runtime.js';
import { startSupervisedWorker } from './runtime/supervised-worker.js';
import { temporalConnectionSettings } from '@airlock/core/temporal';
import { bundleWorkflows, loadWorkflowBundle } from './worker.js';

// Worker only, for scale-out: run as many of these as needed against one external
// Temporal (TEMPORAL_ADDRESS) and one database (DATABASE_URL, already migrated with
// `npm run migrate`). Each drains its in-flight tasks on SIGTERM / Ctrl-C.

const begun = performance.now();
const env = readEnvOrExit();
const logger = createLogger({ name: 'airlock-worker', level: env.LOG_LEVEL, format: env.AIRLOCK_LOG_FORMAT });
const lifecycle = new Lifecycle({ name: 'Airlock worker', logger });
lifecycle.handleSignals();
installTemporalRuntime({ logger, metricsBind: env.TEMPORAL_METRICS_BIND });

const ready = await lifecycle.run(async (signal) => {
  const observability = await startObservability(env, logger, lifecycle);
  const db = createDb(env.DATABASE_URL, { statements: env.AIRLOCK_DB_STATEMENTS });
  lifecycle.onStop('database pool', () => db.close());
  await assertMigrated(db);
  const settings = temporalConnectionSettings(env, env.TEMPORAL_ADDRESS);
  const [connection, workflowBundle] = await Promise.all([
    connectToTemporal(settings, {
      namespace: env.TEMPORAL_NAMESPACE,
      timeoutMs: 60_000,
      signal,
      onWaiting: (reason) => logger.warn(`waiting for Temporal at ${settings.address} (${reason})`),
    }).then((connected) => {
      lifecycle.onStop('Temporal connection', () => closeConnection(connected));
      return connected;
    }),
    env.AIRLOCK_WORKFLOW_BUNDLE
      ? loadWorkflowBundle(env.AIRLOCK_WORKFLOW_BUNDLE)
      : bundleWorkflows({ tracing: observability.tracing !== undefined, stackTraces: env.AIRLOCK_WORKFLOW_STACK_TRACES, logger }),
  ]);
  signal.throwIfAborted();
  await startSupervisedWorker({ lifecycle, connection, db, workflowBundle, env, observability });
  return `Airlock worker is ready: task queue ${env.TEMPORAL_TASK_QUEUE}, namespace ${env.TEMPORAL_NAMESPACE} at ${settings.address}`;
});
if (ready) logger.info(`${ready} (started in ${elapsed(begun)})`);

function readEnvOrExit(): WorkerEnv {
  try {
    return readWorkerEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    // No logger yet: its own settings are among what failed to parse.
    console.error(`airlock worker: ${error.message}`);
    process.exit(1);
  }
}
