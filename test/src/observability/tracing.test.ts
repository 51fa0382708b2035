import { readFile } from 'node:fs/promises';
import { defaultActivityDeps } from '@airlock/activities';
import { resolveCompensationUpdate } from '@airlock/core';
import { claimAgentRun, reportAgentRun, waitForAuthorization } from '@airlock/core/agent-gateway';
import { actionHandle, awaitOutcome, decideAction, submitAction } from '@airlock/core/gateway';
import { connectTemporal, type AirlockTemporal } from '@airlock/sdk/temporal';
import { SpanAttribute, startTracing, telemetryEnv, tracingClientInterceptors, tracingConfig, type Tracing } from '@airlock/telemetry';
import { bundleWorkflows } from '@airlock/worker';
import { Client } from '@temporalio/client';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { refundRequest, waitForStatus } from '../support/actions.js';
import { defaultPolicy, seedTeam, startHarness, type Harness } from '../support/harness.js';
import { stubbornTool, stuckPlan } from '../support/stubborn-tool.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';

// Tracing end to end: the SDK's client span, the workflow's spans (made inside the
// sandbox, shipped through the worker's sink) and the activity spans form one trace,
// exported over OTLP/HTTP to a fake collector on loopback.

const ARG_CANARY = 'canary-arg-7f3a9c0e';

let receiver: OtlpReceiver;
let tracing: Tracing;
let h: Harness;
let airlock: AirlockTemporal;
let tracedBundle: WorkflowBundleWithSourceMap;
const stubborn = stubbornTool();
// The span sink a traced bundle looks up; replay never calls it.
const replaySinks = { exporter: { export: { fn: () => undefined } } };

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const config = tracingConfig(telemetryEnv.parse({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }), 'airlock-test');
  tracing = (await startTracing(config))!;
  tracedBundle = await bundleWorkflows({ tracing: true });
  h = await startHarness({ worker: { tracing, workflowBundle: tracedBundle }, deps: (db) => defaultActivityDeps(db, defaultPolicy(), [stubborn.tool]) });
  await seedTeam(h.db);
  airlock = await connectTemporal({ address: inject('temporalAddress'), taskQueue: h.taskQueue, interceptors: tracingClientInterceptors(tracing) });
}, 180_000);

afterAll(async () => {
  await airlock?.close();
  await h?.close();
  await tracing?.shutdown();
  await receiver?.close();
});

/** Flushes until every named span of the action has arrived (workflow spans come through a sink, a moment later). */
async function spansOf(actionId: string, names: string[]): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await tracing.spanProcessor.forceFlush();
    const spans = receiver.spans().filter((s) => s.attributes[SpanAttribute.actionId] === actionId);
    if (names.every((name) => spans.some((s) => s.name === name))) return spans;
    if (Date.now() > deadline) throw new Error(`spans never arrived: have ${spans.map((s) => s.name).join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const named = (spans: ReceivedSpan[], name: string) => {
  const span = spans.find((s) => s.name === name);
  if (!span) throw new Error(`no span ${name} among ${spans.map((s) => s.name).join(', ')}`);
  return span;
};

describe('OpenTelemetry traces across client, workflow and activities', () => {
  it('puts an auto-approved action in one trace, labelled with ids, never with its arguments', async () => {
    const outcome = await airlock.run({ agentId: 'billing-bot', tool: 'demo.echo', args: { message: ARG_CANARY }, rationale: 'trace me', idempotencyKey: 'trace-auto' });
    expect(outcome.status).toBe('executed');
    const { actionId } = outcome;
    const spans = await spansOf(actionId, ['StartWorkflow:guardedAction', 'RunWorkflow:guardedAction', 'RunActivity:admitAndRun']);

    const client = named(spans, 'StartWorkflow:guardedAction');
    const workflow = named(spans, 'RunWorkflow:guardedAction');
    const admission = named(spans, 'RunActivity:admitAndRun');
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([client.traceId]));
    expect(workflow.parentSpanId).toBe(client.spanId);
    // The activity's parent is the workflow's StartActivity span, itself a child of RunWorkflow.
    const scheduling = receiver.spans().find((s) => s.spanId === admission.parentSpanId);
    expect(scheduling).toMatchObject({ name: 'StartActivity:admitAndRun', traceId: client.traceId, parentSpanId: workflow.spanId });

    expect(client.attributes).toMatchObject({ [SpanAttribute.tool]: 'demo.echo', [SpanAttribute.agentId]: 'billing-bot' });
    expect(workflow.attributes).toMatchObject({ [SpanAttribute.tool]: 'demo.echo', [SpanAttribute.outcome]: 'executed' });
    expect(admission.attributes).toMatchObject({ [SpanAttribute.tier]: 'low', [SpanAttribute.decision]: 'allow', [SpanAttribute.tool]: 'demo.echo' });
    expect(client.service).toBe('airlock-test');
    for (const body of receiver.rawBodies()) expect(body).not.toContain(ARG_CANARY);
  });

  it('keeps the tool run of an approved action in the trace the agent started; the decision has its own span', async () => {
    const handle = await airlock.start(refundRequest({ idempotencyKey: 'trace-approval' }));
    const status = await waitForStatus(h.client, handle.actionId, (s) => s.phase === 'awaiting_approval');
    const approver = new Client({ connection: h.client.connection, interceptors: tracingClientInterceptors(tracing) });
    await decideAction(approver, handle.actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash: status.argsHash });
    expect((await handle.result()).status).toBe('executed');

    const spans = await spansOf(handle.actionId, ['StartWorkflow:guardedAction', 'RunActivity:runTool', 'StartWorkflowUpdate:decide', 'HandleUpdate:decide']);
    const started = named(spans, 'StartWorkflow:guardedAction');
    expect(named(spans, 'RunActivity:runTool').traceId).toBe(started.traceId);
    const decision = named(spans, 'StartWorkflowUpdate:decide');
    expect(decision.attributes[SpanAttribute.approverDecision]).toBe('approve');
    expect(named(spans, 'HandleUpdate:decide')).toMatchObject({ traceId: decision.traceId, parentSpanId: decision.spanId });

    // Tracing turned off (or on) while actions are pending must not strand them: the history this traced worker wrote,
    // with a traced decision settling the round, replays on a worker without the interceptors as on one with them.
    const history = await actionHandle(h.client, handle.actionId).fetchHistory();
    const plainBundle = JSON.parse(await readFile(inject('workflowBundlePath'), 'utf8')) as WorkflowBundleWithSourceMap;
    await expect(Worker.runReplayHistory({ workflowBundle: plainBundle }, history, 'traced-decision-replayed-plain')).resolves.toBeUndefined();
    await expect(Worker.runReplayHistory({ workflowBundle: tracedBundle, sinks: replaySinks }, history, 'traced-decision-replayed-traced')).resolves.toBeUndefined();
  });
});

/** A history this traced worker wrote replays with the interceptors and without them (tracing switched off meanwhile). */
async function replaysBothWays(actionId: string): Promise<void> {
  const history = await actionHandle(h.client, actionId).fetchHistory();
  const plainBundle = JSON.parse(await readFile(inject('workflowBundlePath'), 'utf8')) as WorkflowBundleWithSourceMap;
  await Worker.runReplayHistory({ workflowBundle: plainBundle }, history, `${actionId}-plain`);
  await Worker.runReplayHistory({ workflowBundle: tracedBundle, sinks: replaySinks }, history, `${actionId}-traced`);
}

describe('traced clients on every path a person or an agent answers by update', () => {
  it('a gate-only run claimed and reported, a deny, an edit and a compensation resolved: each history replays with and without tracing', async () => {
    const traced = new Client({ connection: h.client.connection, interceptors: tracingClientInterceptors(tracing) });

    const { actionId: run } = await submitAction(traced, h.taskQueue, {
      agentId: 'billing-bot',
      tool: 'demo.echo',
      args: { message: 'gate only' },
      idempotencyKey: 'trace-gate-only',
      execution: 'agent',
    });
    const authorized = await waitForAuthorization(traced, run, 60_000);
    if (authorized.state !== 'authorized') throw new Error(`not authorized: ${JSON.stringify(authorized)}`);
    const { authorizationId } = authorized.authorization;
    await claimAgentRun(traced, run, { authorizationId, runnerId: 'traced-runner' });
    await reportAgentRun(traced, run, { authorizationId, args: { message: 'gate only' }, status: 'succeeded', output: { echoed: true } });
    expect(await awaitOutcome(traced, run)).toMatchObject({ status: 'executed' });

    const denied = await airlock.start(refundRequest({ idempotencyKey: 'trace-deny' }));
    const deniedStatus = await waitForStatus(h.client, denied.actionId, (s) => s.phase === 'awaiting_approval');
    await decideAction(traced, denied.actionId, { approverId: 'alice', decision: 'deny', channel: 'api', argsHash: deniedStatus.argsHash, comment: 'no', feedback: 'ask first' });
    expect((await denied.result()).status).toBe('denied');

    const edited = await airlock.start(refundRequest({ idempotencyKey: 'trace-edit' }));
    const editedStatus = await waitForStatus(h.client, edited.actionId, (s) => s.phase === 'awaiting_approval');
    const editedArgs = { paymentId: 'pay_123', amount: '100.00', currency: 'USD', reason: 'duplicate charge' };
    await decideAction(traced, edited.actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash: editedStatus.argsHash, editedArgs });
    expect((await edited.result()).status).toBe('executed');

    // A plan whose compensation failed, resolved (retry) by a traced person.
    const { actionId: plan } = await stuckPlan(h, stubborn, 'trace-plan');
    stubborn.state.undoWorks = true;
    await actionHandle(traced, plan).executeUpdate(resolveCompensationUpdate, { args: [{ approverId: 'alice', step: 0, resolution: 'retry' }] });
    expect(await awaitOutcome(traced, plan)).toMatchObject({ status: 'failed' });

    for (const actionId of [run, denied.actionId, edited.actionId, plan]) await replaysBothWays(actionId);
  });
});
