import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createActivities, defaultActivityDeps, type ActivityDeps, type KillPoint, type PolicySource, type ShadowPolicySource, type ToolDefinition } from '@airlock/activities';
import { DEFAULT_POLICY_FILE, PolicyStore } from '@airlock/policy/files';
import type { Db } from '@airlock/db';
import type { Logger, Tracing } from '@airlock/telemetry';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { tracingWorkerOptions } from './observability/tracing.js';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from './workflow-cache.js';

const require = createRequire(import.meta.url);

/** The workflows entry point, resolved through the package so it works from any cwd. */
export const workflowsPath = require.resolve('@airlock/workflows');

/** Encodes failure messages (see the file): used by the workflow bundle and the worker's activities alike. */
export const failureConverterPath = require.resolve('./failure-converter.cjs');

/** The tracing interceptors module, bundled in only when tracing is on. */
export const workflowInterceptorsPath = require.resolve('@airlock/workflows/interceptors');

/** Turns the sandbox's stack traces off (see the file), preloaded unless they are asked for. */
export const stackTracesOffPath = require.resolve('@airlock/workflows/stack-traces-off');

export interface BundleOptions {
  /** Bundle the tracing interceptors in; the worker must then run with `tracing` too (their spans leave through its sink). */
  tracing?: boolean;
  /**
   * Keep the SDK's stack trace of every workflow promise (the `__stack_trace` query, the Temporal
   * UI's Stack Trace tab, frames in workflow errors), at about 1.5 times the CPU per replayed approval
   * (bench/REPLAY.md); off by default.
   */
  stackTraces?: boolean;
  /** Where the bundler's warnings go (default: stderr). */
  logger?: Logger;
}

/** Bundles the workflow code once; production and tests reuse the bundle. */
export function bundleWorkflows(options: BundleOptions = {}): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    // Evaluated once per V8 context and shared, instead of once per workflow (each cached workflow kept its own
    // copy of every module): the workflow modules hold no state of their own (constants, definitions, activity
    // proxies; every workflow's state lives in its function's scope), so sharing them changes no workflow's commands.
    preloadModules: options.stackTraces ? [workflowsPath] : [stackTracesOffPath, workflowsPath],
    failureConverterPath,
    logger: quietBundlerLogger(options.logger),
    ...(options.tracing ? { workflowInterceptorModules: [workflowInterceptorsPath] } : {}),
  });
}

/**
 * A bundle written earlier by `bundleWorkflows` (as JSON): bundling costs seconds
 * of CPU, so workers started over and over (crash tests, the soak) load one.
 */
export async function loadWorkflowBundle(file: string): Promise<WorkflowBundleWithSourceMap> {
  const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { code?: unknown }).code !== 'string') {
    throw new Error(`AIRLOCK_WORKFLOW_BUNDLE ${file}: not a workflow bundle (a JSON object with "code")`);
  }
  return parsed as WorkflowBundleWithSourceMap;
}

/** Only the bundler's warnings and errors: its progress lines are noise at every start. */
function quietBundlerLogger(logger: Logger | undefined) {
  return {
    log: () => undefined,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (message: string) => (logger ? logger.warn(message) : console.warn(message)),
    error: (message: string) => (logger ? logger.error(message) : console.error(message)),
  };
}

export interface AirlockWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  workflowBundle: WorkflowBundleWithSourceMap;
  deps?: ActivityDeps;
  /** The active policy; defaults to the bundled default policy file. */
  policy?: PolicySource;
  /** Shadow mode: the candidate policy assessed beside the live one (ignored when `deps` is given). */
  shadow?: ShadowPolicySource;
  /** Tools beyond the demo pack (e.g. the built-in shell/http/sql/fs tools). */
  tools?: readonly ToolDefinition[];
  /** Crash tests only: SIGKILL this process when an activity reaches this step (AIRLOCK_TEST_KILL_POINT). */
  killPoint?: KillPoint;
  identity?: string;
  /** Must match the clients' (e.g. the payload encryption codec). */
  dataConverter?: DataConverter;
  /** Traces workflows and activities; the bundle must have been made with `tracing: true`. */
  tracing?: Tracing;
  /** Workflows kept in memory between tasks (AIRLOCK_WORKER_MAX_CACHED_WORKFLOWS); default DEFAULT_MAX_CACHED_WORKFLOWS. */
  maxCachedWorkflows?: number;
}

/** The composition root: real deps into activities, workflows from the prebuilt bundle. */
export function createAirlockWorker(options: AirlockWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle,
    activities: createActivities(
      withKillPoint(
        options.deps ?? withShadow(defaultActivityDeps(options.db, options.policy ?? new PolicyStore(DEFAULT_POLICY_FILE), options.tools), options.shadow),
        options.killPoint,
      ),
    ),
    ...(options.identity ? { identity: options.identity } : {}),
    dataConverter: { ...options.dataConverter, failureConverterPath },
    ...(options.tracing ? tracingWorkerOptions(options.tracing) : {}),
    maxCachedWorkflows: options.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    // In-flight tools get time to finish (and record their result) before a shutdown cancels them.
    shutdownGraceTime: '10 seconds',
    // A running tool's heartbeats reach Temporal at least this often: its heartbeat timeout is 10 s
    // (TOOL_HEARTBEAT_TIMEOUT, workflows/src/activities.ts), and the SDK's own flush, 0.8 x that, left 2 s of slack.
    maxHeartbeatThrottleInterval: '3 seconds',
  });
}

/** The crash hook: the worker dies on the spot, as under `kill -9`, mid-step. */
function withKillPoint(deps: ActivityDeps, point: KillPoint | undefined): ActivityDeps {
  if (!point) return deps;
  return {
    ...deps,
    killPoint: (reachedPoint) => {
      if (reachedPoint !== point) return;
      process.stderr.write(`airlock: kill point ${point} reached: SIGKILL\n`);
      process.kill(process.pid, 'SIGKILL');
    },
  };
}

function withShadow(deps: ActivityDeps, shadow: ShadowPolicySource | undefined): ActivityDeps {
  return shadow ? { ...deps, shadow } : deps;
}
