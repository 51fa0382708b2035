import type { ToolContext } from '@airlock/activities';
import { createBuiltinTools, CircuitBreakers } from '@airlock/tools';
import { SandboxLaunchError, type Sandbox, type SandboxResult } from '@airlock/sandbox';
import { awaitOutcome, decideAction, submitAction } from '@airlock/core/gateway';
import { createBudget, createDb, type Db } from '@airlock/db';
import { silentLogger } from '@airlock/telemetry';
import {
  countAuditEvents,
  countSandboxKills,
  databaseReachable,
  exposeCircuitBreakers,
  exposeWorkerStatus,
  startProbeServer,
  WorkerMetrics,
  workerRunning,
  type ProbeServer,
} from '@airlock/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { sample, scrape } from '../support/prometheus.js';

// The worker's /metrics, /healthz and /readyz on a real worker, Temporal and
// PostgreSQL: the counters move with the actions that run, by outcome.

let h: Harness;
let metrics: WorkerMetrics;
let probe: ProbeServer;
let stopCounting: () => void;

beforeAll(async () => {
  h = await startHarness();
  await seedTeam(h.db);
  metrics = new WorkerMetrics();
  stopCounting = countAuditEvents(metrics, h.db, silentLogger());
  exposeWorkerStatus(metrics, h.worker.worker);
  probe = await startProbeServer({
    host: '127.0.0.1',
    port: 0,
    registry: metrics.registry,
    readiness: [workerRunning(() => h.worker.worker), databaseReachable(() => h.db)],
    logger: silentLogger(),
  });
});

afterAll(async () => {
  stopCounting?.();
  await probe?.close();
  await h?.close();
});

const metricsText = () => scrape(`${probe.url}/metrics`);

/** Polls until `predicate` holds: the time-to-decision histogram is filled in just after the decision's row. */
async function metricsWhen(predicate: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const text = await metricsText();
    if (predicate(text)) return text;
    if (Date.now() > deadline) throw new Error(`metrics never matched:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('worker metrics', () => {
  it('count actions by decision and outcome, guardrail triggers, reserved money, tool runs and time to decision', async () => {
    await createBudget(h.db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '1000.00' });
    const before = await metricsText();

    // Auto-approved, with an email address in its arguments (a guardrail finding, redacted).
    const echo = await submitAction(h.client, h.taskQueue, {
      agentId: 'billing-bot',
      tool: 'demo.echo',
      args: { message: 'ping bob@example.com' },
      rationale: 'metrics',
      idempotencyKey: 'metrics-echo',
    });
    expect((await awaitOutcome(h.client, echo.actionId)).status).toBe('executed');
    // Denied by policy: nobody knows this agent.
    const stranger = await submitAction(h.client, h.taskQueue, { agentId: 'nobody', tool: 'demo.echo', args: { message: 'hi' }, idempotencyKey: 'metrics-stranger' });
    expect((await awaitOutcome(h.client, stranger.actionId)).status).toBe('denied');
    // Approved by a person, and denied by a person.
    const approved = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    await decideAction(h.client, approved.actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash: approved.argsHash });
    expect((await awaitOutcome(h.client, approved.actionId)).status).toBe('executed');
    const denied = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    await decideAction(h.client, denied.actionId, { approverId: 'alice', decision: 'deny', channel: 'api', argsHash: denied.argsHash, comment: 'no' });
    expect((await awaitOutcome(h.client, denied.actionId)).status).toBe('denied');

    const decisionsTimed = (text: string) =>
      sample(text, 'airlock_time_to_decision_seconds_count', { decision: 'denied' }) > sample(before, 'airlock_time_to_decision_seconds_count', { decision: 'denied' });
    const after = await metricsWhen(decisionsTimed);
    const moved = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);

    expect(moved('airlock_actions_classified_total', { decision: 'allow', tier: 'low' })).toBe(1);
    expect(moved('airlock_actions_classified_total', { decision: 'deny', tier: 'critical' })).toBe(1);
    expect(moved('airlock_actions_classified_total', { decision: 'require_approval', tier: 'high' })).toBe(2);
    expect(moved('airlock_actions_completed_total', { status: 'executed' })).toBe(2);
    expect(moved('airlock_actions_completed_total', { status: 'denied' })).toBe(2);
    expect(moved('airlock_time_to_decision_seconds_count', { decision: 'approved' })).toBe(1);
    expect(moved('airlock_time_to_decision_seconds_count', { decision: 'denied' })).toBe(1);
    expect(moved('airlock_guardrail_triggers_total', { flag: 'sensitive:email' })).toBe(1);
    expect(moved('airlock_budget_reserved_total', { currency: 'USD' })).toBe(250);
    expect(moved('airlock_tool_runs_total', { tool: 'demo.echo', result: 'succeeded' })).toBe(1);
    expect(moved('airlock_tool_runs_total', { tool: 'payments.refund', result: 'succeeded' })).toBe(1);
    expect(sample(after, 'airlock_worker_running')).toBe(1);
    expect(sample(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('count sandbox kills and show each circuit breaker state', async () => {
    const breakers = new CircuitBreakers({ failureThreshold: 2, cooldownMs: 60_000 });
    exposeCircuitBreakers(metrics, breakers);
    const results: (SandboxResult | Error)[] = [
      killed('timeout'),
      killed('memory'),
      killed(null),
      new SandboxLaunchError('no namespaces'),
      new SandboxLaunchError('no namespaces'),
    ];
    const builtins = createBuiltinTools({ shell: {} }, { sandbox: scriptedSandbox(results), breakers, onSandboxRun: countSandboxKills(metrics) });
    const shell = builtins.tools.find((t) => t.name === 'shell.exec')!;
    const run = () => shell.execute(shell.args.parse({ command: ['sleep', '5'], timeoutMs: 1000 }), toolContext(h.db));
    const before = await metricsText();
    for (let i = 0; i < 3; i++) await run();
    for (let i = 0; i < 2; i++) await expect(run()).rejects.toThrow(/no namespaces/);

    const after = await metricsText();
    const moved = (reason: string) => sample(after, 'airlock_sandbox_kills_total', { reason }) - sample(before, 'airlock_sandbox_kills_total', { reason });
    expect([moved('timeout'), moved('memory'), moved('output')]).toEqual([1, 1, 0]);
    expect(sample(after, 'airlock_circuit_breaker_state', { key: 'shell.exec', state: 'open' })).toBe(1);
    expect(sample(after, 'airlock_circuit_breaker_state', { key: 'shell.exec', state: 'closed' })).toBe(0);
    expect(sample(after, 'airlock_circuit_breaker_consecutive_failures', { key: 'shell.exec' })).toBe(2);
  });
});

describe('probes', () => {
  it('/healthz answers while the process runs; /readyz while the worker polls and the database answers', async () => {
    expect(await fetch(`${probe.url}/healthz`).then((r) => r.status)).toBe(200);
    const ready = await fetch(`${probe.url}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
    const metricsResponse = await fetch(`${probe.url}/metrics`);
    expect(metricsResponse.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await fetch(`${probe.url}/nowhere`).then((r) => r.status)).toBe(404);
  });

  // Last in this file: it stops the harness's worker.
  it('/readyz fails, naming why, when the database is unreachable or the worker is not running', async () => {
    const unreachable = createDb('postgresql://airlock:nope@127.0.0.1:1/airlock', { poolSize: 1 });
    await h.worker.stop();
    const failing = await startProbeServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      readiness: [workerRunning(() => h.worker.worker), databaseReachable(() => unreachable, 2_000)],
      logger: silentLogger(),
    });
    try {
      const response = await fetch(`${failing.url}/readyz`);
      const body = await response.text();
      expect(response.status).toBe(503);
      expect(body).toMatch(/^worker: state STOPPED$/m);
      expect(body).toMatch(/^database: /m);
      // Liveness is not readiness: the process itself is fine.
      expect(await fetch(`${failing.url}/healthz`).then((r) => r.status)).toBe(200);
    } finally {
      await failing.close();
      await unreachable.close();
    }
  });
});

function killed(killedBy: SandboxResult['killedBy']): SandboxResult {
  return {
    exitCode: killedBy ? null : 0,
    signal: killedBy ? 'SIGKILL' : null,
    stdout: '',
    stderr: '',
    truncated: false,
    timedOut: killedBy === 'timeout',
    killedBy,
    durationMs: 5,
  };
}

/** A sandbox that answers each run with the next scripted result or error: kills without waiting for real deadlines. */
function scriptedSandbox(results: (SandboxResult | Error)[]): Sandbox {
  return {
    capabilities: {
      available: true,
      uidSwitch: 'already-unprivileged',
      enforced: { memory: true, pids: true, cpu: true, cpuTime: true, fileSize: true },
      disableUserns: true,
      seccomp: true,
      notes: [],
    },
    leftovers: async () => ({ scratchDirs: [], cgroups: [] }),
    async run() {
      const next = results.shift();
      if (!next) throw new Error('no scripted result left');
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

function toolContext(db: Db): ToolContext {
  return { db, actionId: 'metrics-shell', idempotencyKey: 'metrics-shell:run', signal: new AbortController().signal, heartbeat: () => undefined };
}
