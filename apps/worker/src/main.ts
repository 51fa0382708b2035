import { performance } from 'node:perf_hooks';
import { EnvError } from '@airlock/core/env';
import { createDb } from '@airlock/db';
import { readWorkerEnv, type WorkerEnv } from './env.js';
import { assertMigrated } from './launcher/migrations.js';
import { elapsed, errorMessage, Lifecycle } from './launcher/lifecycle.js';
import { closeConnection, connectToTemporal, installTemporalRuntime, runAirlockWorker } from './launcher/worker-runtime.js';
import { workerSettings } from './launcher/worker-settings.js';
import { temporalConnectionSettings } from '@airlock/core/temporal';
import { bundleWorkflows } from './worker.js';

// Worker only, for scale-out: run as many of these as needed against one external
// Temporal (TEMPORAL_ADDRESS) and one database (DATABASE_URL, already migrated with
// `npm run migrate`). Each drains its in-flight tasks on SIGTERM / Ctrl-C.

const begun = performance.now();
const env = readEnvOrExit();
const lifecycle = new Lifecycle({ name: 'Airlock worker' });
lifecycle.handleSignals();
installTemporalRuntime(env.LOG_LEVEL);

const ready = await lifecycle.run(async (signal) => {
  const db = createDb(env.DATABASE_URL);
  lifecycle.onStop('database pool', () => db.close());
  await assertMigrated(db);
  const settings = temporalConnectionSettings(env, env.TEMPORAL_ADDRESS);
  const [connection, workflowBundle] = await Promise.all([
    connectToTemporal(settings, {
      namespace: env.TEMPORAL_NAMESPACE,
      timeoutMs: 60_000,
      signal,
      onWaiting: (reason) => console.log(`waiting for Temporal at ${settings.address} (${reason})`),
    }).then((connected) => {
      lifecycle.onStop('Temporal connection', () => closeConnection(connected));
      return connected;
    }),
    bundleWorkflows(),
  ]);
  signal.throwIfAborted();
  const settingsForWorker = await workerSettings(env, (line) => console.log(line));
  lifecycle.onStop('policy watcher', async () => settingsForWorker.stop());
  const worker = await runAirlockWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    db,
    workflowBundle,
    policy: settingsForWorker.policy,
    tools: settingsForWorker.tools,
    dataConverter: settingsForWorker.dataConverter,
  });
  lifecycle.onStop('worker (drained)', () => worker.stop());
  void worker.finished.then(
    () => lifecycle.fail('the worker stopped unexpectedly'),
    (error: unknown) => lifecycle.fail(`the worker failed: ${errorMessage(error)}`),
  );
  return `Airlock worker is ready: task queue ${env.TEMPORAL_TASK_QUEUE}, namespace ${env.TEMPORAL_NAMESPACE} at ${settings.address}`;
});
if (ready) console.log(`${ready} (started in ${elapsed(begun)})`);

function readEnvOrExit(): WorkerEnv {
  try {
    return readWorkerEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(`airlock worker: ${error.message}`);
    process.exit(1);
  }
}
