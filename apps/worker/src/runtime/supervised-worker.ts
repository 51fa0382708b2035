import { shadowPolicyFromDb, type KillPoint } from '@airlock/activities';
import type { Db } from '@airlock/db';
import { WebhookDispatcher } from '@airlock/webhooks';
import { Client } from '@temporalio/client';
import type { NativeConnection, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { startOrphanSweeper } from '../orphan-sweeper.js';
import { checkpointerFromSettings, checkpointTickMs, startAuditCheckpointer, type CheckpointSettings } from '../audit-checkpointer.js';
import { auditExportersFromSettings, type AuditExportSettings } from '../audit-export/settings.js';
import { countAuditEvents } from '../observability/audit-metrics.js';
import { countSandboxKills, exposeCircuitBreakers } from '../observability/tool-metrics.js';
import { exposeWorkerStatus } from '../observability/worker-metrics.js';
import { errorMessage, type Lifecycle } from './lifecycle.js';
import type { WorkerObservability } from './observability.js';
import { reportPolicy, type PolicyReport } from './policy-report.js';
import { runAirlockWorker } from './worker-runtime.js';
import { workerSettings } from './worker-settings.js';

export interface SupervisedWorkerOptions {
  lifecycle: Lifecycle;
  connection: NativeConnection;
  db: Db;
  /** Bundled with `tracing: true` exactly when `observability.tracing` is set. */
  workflowBundle: WorkflowBundleWithSourceMap;
  env: Parameters<typeof workerSettings>[0] & {
    TEMPORAL_NAMESPACE: string;
    TEMPORAL_TASK_QUEUE: string;
    AIRLOCK_WEBHOOKS_ALLOW_LOOPBACK: boolean;
    AIRLOCK_WEBHOOKS_RETRY_BASE_MS: number;
    AIRLOCK_TEST_KILL_POINT?: KillPoint | undefined;
    AIRLOCK_WORKER_MAX_CACHED_WORKFLOWS?: number | undefined;
  } & CheckpointSettings &
    AuditExportSettings;
  observability: WorkerObservability;
}

/**
 * The worker as both entry points run it: policy, codec and tools from the env,
 * metrics and tracing wired in, drained on stop, and a worker that ends by
 * itself fails the whole process.
 */
export async function startSupervisedWorker(options: SupervisedWorkerOptions): Promise<void> {
  const { lifecycle, env, db, observability } = options;
  const { logger, metrics } = observability;
  // Signed checkpoints of the audit chain, published to a file and the log, when a signing key is configured.
  // Read first: a key that cannot be used stops the start-up before the worker polls.
  const checkpointLogger = logger.child({ component: 'audit-checkpointer' });
  const checkpointer = checkpointerFromSettings(env, db, checkpointLogger);
  // Set once reported below; the reload observer may fire before that, so it reads it late.
  let report: PolicyReport | undefined = undefined;
  const settings = await workerSettings(env, (line) => logger.info(line), { onSandboxRun: countSandboxKills(metrics), onPolicyReload: () => report?.reloaded() });
  lifecycle.onStop('policy watcher', async () => settings.stop());
  // The console reads which policy this worker runs from the database (policy_runtimes).
  const policyReport = await reportPolicy(db, settings.policy, settings.policyFile, logger);
  report = policyReport;
  lifecycle.onStop('policy report', () => policyReport.stop());
  if (settings.breakers) exposeCircuitBreakers(metrics, settings.breakers);
  const stopCounting = countAuditEvents(metrics, db, logger);
  lifecycle.onStop('audit metrics', async () => stopCounting());
  observability.probes.db = db;
  const worker = await runAirlockWorker({
    connection: options.connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    db,
    workflowBundle: options.workflowBundle,
    policy: settings.policy,
    // Shadow mode: whatever candidate an operator set is assessed beside the live policy; its failures are logged and counted only.
    shadow: shadowPolicyFromDb(db, {
      onFailure: (error, what) => {
        metrics.shadowFailures.inc();
        logger.warn({ err: error }, `shadow policy: ${what} failed; live decisions are unaffected`);
      },
    }),
    tools: settings.tools,
    ...(env.AIRLOCK_WORKER_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: env.AIRLOCK_WORKER_MAX_CACHED_WORKFLOWS } : {}),
    ...(env.AIRLOCK_TEST_KILL_POINT ? { killPoint: env.AIRLOCK_TEST_KILL_POINT } : {}),
    dataConverter: settings.dataConverter,
    ...(observability.tracing ? { tracing: observability.tracing } : {}),
  });
  lifecycle.onStop('worker (drained)', () => worker.stop());
  // No action workflow may run without an action row that people and the kill switch can see.
  const stopSweeper = startOrphanSweeper({
    client: new Client({ connection: options.connection, namespace: env.TEMPORAL_NAMESPACE, dataConverter: settings.dataConverter }),
    db,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    logger: logger.child({ component: 'orphan-sweeper' }),
  });
  lifecycle.onStop('orphan workflow sweeper', stopSweeper);
  if (checkpointer) {
    const stopCheckpointer = startAuditCheckpointer(checkpointer, { tickMs: checkpointTickMs(env.AIRLOCK_AUDIT_CHECKPOINT_EVERY_SECONDS), logger: checkpointLogger });
    lifecycle.onStop('audit checkpointer', stopCheckpointer);
  }
  // SIEM export: every worker runs one per configured sink; one leads per sink (advisory lock), the others stand by.
  for (const exporter of auditExportersFromSettings(env, db, logger.child({ component: 'audit-export' }))) {
    exporter.start();
    lifecycle.onStop(`audit export (${exporter.consumer})`, () => exporter.stop());
  }
  // Every worker dispatches: deliveries are claimed with SKIP LOCKED, so they share the work.
  const webhooks = new WebhookDispatcher({
    db,
    logger: { info: (line) => logger.info(line), warn: (line) => logger.warn(line) },
    allowLoopback: env.AIRLOCK_WEBHOOKS_ALLOW_LOOPBACK,
    retry: { baseDelayMs: env.AIRLOCK_WEBHOOKS_RETRY_BASE_MS },
  });
  webhooks.start();
  lifecycle.onStop('webhook dispatcher', () => webhooks.stop());
  exposeWorkerStatus(metrics, worker.worker);
  observability.probes.worker = worker.worker;
  void worker.finished.then(
    () => lifecycle.fail('the worker stopped unexpectedly'),
    (error: unknown) => lifecycle.fail(`the worker failed: ${errorMessage(error)}`),
  );
}
