import { makeDirectory } from '@airlock/core/make-directory';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EnvError } from '@airlock/core/env';
import { loadGatewayConfig, startHttpGateway } from '@airlock/mcp-gateway';
import { startSlackApp } from '@airlock/slack';
import { createLogger, resolveLogFormat, tracingClientInterceptors } from '@airlock/telemetry';
import { inheritedEnvironment, readLauncherEnv, type LauncherEnv } from './env.js';
import { buildConsole, consoleBuildNeeded, consoleUrl, startConsole } from './launcher/console-app.js';
import { openMigratedDatabase, startDatabaseServer, type DatabaseServer } from './launcher/database.js';
import { describeFirstStart, seedFirstStart } from './launcher/first-start.js';
import { claimDataDir } from './launcher/instance-lock.js';
import { elapsed, Lifecycle } from './runtime/lifecycle.js';
import { startObservability, type WorkerObservability } from './runtime/observability.js';
import { databaseSummary, printPlain, table } from './launcher/output.js';
import { describeExit, killAllManaged } from './launcher/processes.js';
import { ensureTemporalCli } from './launcher/temporal-cli.js';
import { startTemporalDevServer, type DevServer } from './launcher/temporal-dev-server.js';
import { closeConnection, connectToTemporal, installTemporalRuntime } from './runtime/worker-runtime.js';
import { persistentSecret } from './launcher/secrets.js';
import { startSupervisedWorker } from './runtime/supervised-worker.js';
import { temporalConnectionSettings } from '@airlock/core/temporal';
import { bundleWorkflows } from './worker.js';

// `npm start`: the whole product on one machine. Embedded Temporal dev server and
// PostgreSQL unless TEMPORAL_ADDRESS / DATABASE_URL point elsewhere, migrations,
// first-start credentials, the worker in this process and the console beside it.

const begun = performance.now();
const env = readEnvOrExit();
const inherited = inheritedEnvironment();
const logger = createLogger({ name: 'airlock', level: env.LOG_LEVEL, format: env.AIRLOCK_LOG_FORMAT });

let database: DatabaseServer | undefined;
const lifecycle = new Lifecycle({
  name: 'Airlock',
  logger,
  onForce: () => {
    killAllManaged();
    database?.kill();
  },
});
lifecycle.handleSignals();
installTemporalRuntime({ logger, metricsBind: env.TEMPORAL_METRICS_BIND });

const ready = await lifecycle.run(startAirlock);
if (ready) printPlain([...ready, `Airlock is ready (started in ${elapsed(begun)}). Press Ctrl-C to stop.`]);

function readEnvOrExit(): LauncherEnv {
  try {
    return readLauncherEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    // No logger yet: its own settings are among what failed to parse.
    console.error(`airlock: ${error.message}`);
    process.exit(1);
  }
}

function valueOf<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

function step(label: string, since: number): void {
  logger.info(`${label} (${elapsed(since)})`);
}

/** Starts everything; returns the summary to print. */
async function startAirlock(signal: AbortSignal): Promise<string[]> {
  const dataDir = path.resolve(env.AIRLOCK_DATA_DIR);
  await makeDirectory(path.join(dataDir, 'logs'));
  const lock = await claimDataDir(dataDir);
  lifecycle.onStop('data directory lock', () => lock.release());
  logger.info(`Starting Airlock (data directory ${dataDir}, pid ${process.pid})`);
  const observability = await startObservability(env, logger, lifecycle);

  // Before anything starts: a missing CLI is installed (once), or named with what it takes to install it.
  const temporalCli = env.TEMPORAL_ADDRESS ? undefined : await ensureTemporalCli({ configured: env.TEMPORAL_CLI_PATH, env: inherited, log: (line) => logger.info(line) });
  signal.throwIfAborted();

  // The slow, independent steps run side by side; a failure of one stops the console build.
  const phaseBegun = performance.now();
  const stepFailed = new AbortController();
  const failsTheBuild = <T>(started: Promise<T>): Promise<T> =>
    started.catch((error: unknown) => {
      stepFailed.abort();
      throw error;
    });
  const [temporalStarted, databaseStarted, bundled, consoleBuilt] = await Promise.allSettled([
    failsTheBuild(temporalCli ? startEmbeddedTemporal(temporalCli, dataDir, signal) : Promise.resolve(undefined)),
    failsTheBuild(
      startDatabaseServer({ databaseUrl: env.DATABASE_URL, dataDir, port: env.AIRLOCK_EMBEDDED_PG_PORT, sharedDir: env.AIRLOCK_SHARED_DIR, log: (line) => logger.info(line) }).then(
        (server) => {
          if (server.embedded) step('embedded PostgreSQL ready', phaseBegun);
          return server;
        },
      ),
    ),
    failsTheBuild(
      bundleWorkflows({ tracing: observability.tracing !== undefined, stackTraces: env.AIRLOCK_WORKFLOW_STACK_TRACES, logger }).then((bundle) => {
        step('workflows bundled', phaseBegun);
        return bundle;
      }),
    ),
    buildConsoleIfNeeded(dataDir, AbortSignal.any([signal, stepFailed.signal])),
  ]);
  // Stopped in reverse: PostgreSQL last, after the Temporal dev server.
  if (databaseStarted.status === 'fulfilled') {
    const started = databaseStarted.value;
    database = started;
    lifecycle.onStop(started.embedded ? 'embedded PostgreSQL' : 'external database record', () => started.stop());
  }
  const devServer = temporalStarted.status === 'fulfilled' ? temporalStarted.value : undefined;
  if (devServer) lifecycle.onStop('Temporal dev server', () => devServer.stop());
  valueOf(temporalStarted);
  const server = valueOf(databaseStarted);
  const workflowBundle = valueOf(bundled);
  valueOf(consoleBuilt);
  signal.throwIfAborted();

  const migrateBegun = performance.now();
  const db = await openMigratedDatabase(server.url, (line) => logger.info(line), env.AIRLOCK_DB_STATEMENTS);
  lifecycle.onStop('database pool', () => db.close());
  step('database migrated', migrateBegun);
  const credentials = await seedFirstStart(db);
  // Printed at once, not with the summary (a later start-up failure must not lose the only copy), and
  // printed, never logged: the log pipeline would (rightly) redact the keys a person must copy now.
  if (credentials) {
    const where = { dataDir: env.AIRLOCK_DATA_DIR, external: server.embedded ? false : server.url };
    printPlain(describeFirstStart(credentials, env.AIRLOCK_PUBLIC_URL ?? consoleUrl(env.AIRLOCK_CONSOLE_PORT), where));
  }
  signal.throwIfAborted();

  const settings = temporalConnectionSettings(env, devServer?.address ?? '');
  const connection = await connectToTemporal(settings, {
    namespace: env.TEMPORAL_NAMESPACE,
    timeoutMs: 60_000,
    signal,
    onWaiting: (reason) => logger.warn(`waiting for Temporal at ${settings.address} (${reason})`),
  });
  lifecycle.onStop('Temporal connection', () => closeConnection(connection));
  await startSupervisedWorker({ lifecycle, connection, db, workflowBundle, env, observability });
  step(`worker polling task queue ${env.TEMPORAL_TASK_QUEUE}`, phaseBegun);
  signal.throwIfAborted();

  const consoleLine = await startConsoleIfWanted(dataDir, server.url, settings.address, signal);
  // Slack starts only when its tokens are set; otherwise it logs one line saying so.
  const slack = await startSlackApp({
    env: inherited,
    db,
    databaseUrl: server.url,
    temporal: { connection: settings, namespace: env.TEMPORAL_NAMESPACE, interceptors: tracingClientInterceptors(observability.tracing) },
    logger,
  });
  if (slack) lifecycle.onStop('Slack app', () => slack.stop());
  const mcpLine = await startMcpGatewayIfConfigured();

  return [
    '',
    'Airlock is running:',
    ...table([
      ['console', consoleLine],
      ['Slack', slack ? (slack.url ?? 'Socket Mode') : 'not configured'],
      ['MCP gateway', mcpLine],
      ['Temporal UI', devServer ? devServer.uiUrl : 'see your Temporal cluster (external)'],
      ['Temporal gRPC', `${settings.address}  (namespace ${env.TEMPORAL_NAMESPACE}, task queue ${env.TEMPORAL_TASK_QUEUE})`],
      ['metrics', metricsLine(observability)],
      ['database', databaseSummary(server.url, server.embedded)],
      ['data', dataDir],
      ['logs', path.join(dataDir, 'logs')],
    ]),
    '',
  ];
}

async function startEmbeddedTemporal(cli: string, dataDir: string, signal: AbortSignal): Promise<DevServer> {
  const begunAt = performance.now();
  const server = await startTemporalDevServer({
    cli,
    dataDir,
    port: env.AIRLOCK_TEMPORAL_PORT,
    uiPort: env.AIRLOCK_TEMPORAL_UI_PORT,
    namespace: env.TEMPORAL_NAMESPACE,
    env: inherited,
    signal,
    log: (line) => logger.info(line),
  });
  step('Temporal dev server ready', begunAt);
  void server.process.exited.then((status) => lifecycle.fail(`the Temporal dev server exited unexpectedly (${describeExit(status)}); see ${server.logFile}`));
  return server;
}

/** The console line of the summary: its URL, or why it is not running. */
async function startConsoleIfWanted(dataDir: string, databaseUrl: string, temporalAddress: string, signal: AbortSignal): Promise<string> {
  if (env.AIRLOCK_CONSOLE === 'off') return 'off (AIRLOCK_CONSOLE=off)';
  const begunAt = performance.now();
  const running = await startConsole({
    port: env.AIRLOCK_CONSOLE_PORT,
    env: {
      ...inherited,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE,
      TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE,
      AIRLOCK_CONSOLE_PORT: String(env.AIRLOCK_CONSOLE_PORT),
      // The console's log lines reach this terminal (stderr) and the log file in the launcher's own format.
      AIRLOCK_LOG_FORMAT: resolveLogFormat(env.AIRLOCK_LOG_FORMAT),
      // Sessions survive restarts: the session-signing secret lives with the rest of the state.
      AUTH_SECRET: inherited.AUTH_SECRET ?? persistentSecret(path.join(dataDir, 'auth-secret')),
    },
    logFile: path.join(dataDir, 'logs', 'console.log'),
    signal,
  });
  lifecycle.onStop('console', () => running.stop());
  void running.process.exited.then((status) => lifecycle.fail(`the console exited unexpectedly (${describeExit(status)})`));
  step('console ready', begunAt);
  return running.url;
}

/** The MCP gateway over Streamable HTTP, when AIRLOCK_MCP_CONFIG names its config; it calls this console's REST API. */
async function startMcpGatewayIfConfigured(): Promise<string> {
  if (!env.AIRLOCK_MCP_CONFIG) return 'not configured (set AIRLOCK_MCP_CONFIG)';
  const config = loadGatewayConfig(env.AIRLOCK_MCP_CONFIG);
  const ownConsole = env.AIRLOCK_CONSOLE === 'on' ? consoleUrl(env.AIRLOCK_CONSOLE_PORT) : undefined;
  const airlockUrl = env.AIRLOCK_URL ?? config.airlock.url ?? ownConsole;
  // The gateway speaks to Airlock's REST API only: without a console here, it must be told where one is.
  if (!airlockUrl) return 'not started: no console here; set AIRLOCK_URL or airlock.url in the config';
  const begunAt = performance.now();
  const gateway = await startHttpGateway(config, { airlockUrl, log: (line) => logger.warn(line) });
  lifecycle.onStop('MCP gateway', () => gateway.close());
  step('MCP gateway ready', begunAt);
  return `${gateway.url}  (${Object.keys(config.servers).join(', ')})`;
}

/** Builds the console when it has no build or one older than its sources, showing the build's progress. */
async function buildConsoleIfNeeded(dataDir: string, signal: AbortSignal): Promise<void> {
  if (env.AIRLOCK_CONSOLE === 'off') return;
  const needed = await consoleBuildNeeded();
  if (!needed) return;
  const begunAt = performance.now();
  logger.info(`building the console (${needed.reason}); this takes a minute or two`);
  await buildConsole({ env: inherited, log: (line) => logger.info(line), logFile: path.join(dataDir, 'logs', 'console-build.log'), signal });
  step('console built', begunAt);
}

function metricsLine(observability: WorkerObservability): string {
  return observability.probeUrl ? `${observability.probeUrl}/metrics  (/healthz, /readyz)` : 'off (set AIRLOCK_WORKER_METRICS_PORT)';
}
