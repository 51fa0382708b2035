/**
 * Records workflow histories of the main scenarios into test/histories/*.json.
 * Run after an intentional, compatible workflow change: `npm run histories:record`.
 * The replay test then fails CI if a later change breaks determinism for them.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PLAN_TOOL, resolveCompensationUpdate } from '@airlock/core';
import { reportAgentRun } from '@airlock/core/agent-gateway';
import type { ActionRequest } from '@airlock/core';
import { forecastApproval } from '@airlock/console';
import { actionHandle, awaitOutcome, decideAction, submitAction as submitWithoutForecast, type SubmitOptions } from '@airlock/core/gateway';
import type { Client } from '@temporalio/client';
import { createAirlockWorker, bundleWorkflows } from '@airlock/worker';
import { defaultActivityDeps, type ToolDefinition } from '@airlock/activities';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { refundRequest, waitForStatus } from '../src/support/actions.js';
import { temporalCliPath, temporalTestServerPath, repoRoot } from '../src/support/binaries.js';
import { createTestDatabase } from '../src/support/database.js';
import { defaultPolicy, seedTeam } from '../src/support/harness.js';
import { quietTemporalRuntime } from '../src/support/runtime.js';
import { stubbornTool } from '../src/support/stubborn-tool.js';

quietTemporalRuntime();
// `-- --suffix=-v2` records a new generation beside the old files (which keep replaying), e.g. after a patched() change.
const suffix = process.argv.find((a) => a.startsWith('--suffix='))?.slice('--suffix='.length) ?? '';
// `-- --paths` records only the paths with a history of their own (pathScenarios), without a suffix, and no main scenario.
const pathsOnly = process.argv.includes('--paths');
const outDir = path.join(repoRoot, 'test/histories');
const database = await createTestDatabase();
await seedTeam(database.db);
const workflowBundle = await bundleWorkflows();

// Submitted as POST /api/v1/actions submits: with its forecast of whether people decide (admission in the first task).
const policy = defaultPolicy().current();
const agents = new Map((await database.db.prisma.agent.findMany()).map((a) => [a.id, { id: a.id, team: a.team, owner: a.ownerId, allowedTools: a.allowedTools }]));
const forecast: SubmitOptions = {
  expectsApproval: (request: ActionRequest) => {
    const agent = agents.get(request.agentId);
    return agent !== undefined && forecastApproval(policy, agent, request);
  },
};
const submitAction = (client: Client, taskQueue: string, raw: unknown) => submitWithoutForecast(client, taskQueue, raw, forecast);

async function save(env: TestWorkflowEnvironment, name: string, actionId: string) {
  const history = await actionHandle(env.client, actionId).fetchHistory();
  // Proto3 JSON, the format `temporal workflow show --output json` writes and replay reads.
  await writeFile(path.join(outDir, `${name}${suffix}.json`), historyToJSON(history) + '\n');
  console.log(`recorded ${name}`);
}

/** The Temporal CLI's dev server (real time), or the SDK's download where the CLI is not installed. */
function localEnvironment(): Promise<TestWorkflowEnvironment> {
  const cli = temporalCliPath();
  return TestWorkflowEnvironment.createLocal(cli ? { server: { executable: { type: 'existing-path', path: cli } } } : {});
}

/** Runs `scenarios` on `env` with a worker on `taskQueue` (the default policy, the demo tools and `tools`), then tears `env` down. */
async function record(env: TestWorkflowEnvironment, taskQueue: string, scenarios: () => Promise<void>, tools: readonly ToolDefinition[] = []) {
  const worker = await createAirlockWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    db: database.db,
    workflowBundle,
    deps: defaultActivityDeps(database.db, defaultPolicy(), tools),
  });
  await worker.runUntil(scenarios);
  await env.teardown();
}

/** Submits `request` and, once it waits for a person, approves it as alice over the API. */
async function submitApproved(env: TestWorkflowEnvironment, taskQueue: string, request: unknown) {
  const submitted = await submitAction(env.client, taskQueue, request);
  await waitForStatus(env.client, submitted.actionId, (s) => s.phase === 'awaiting_approval');
  await decideAction(env.client, submitted.actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash: submitted.argsHash });
  return submitted;
}

/** A gate-only refund approved, then reported succeeded twice (the second report answered from the first), saved as `name`. */
async function reportedGateOnlyRun(env: TestWorkflowEnvironment, taskQueue: string, idempotencyKey: string, name: string) {
  const gated = await submitApproved(env, taskQueue, refundRequest({ idempotencyKey, execution: 'agent' }));
  const authorized = await waitForStatus(env.client, gated.actionId, (s) => s.phase === 'awaiting_report');
  const report = { authorizationId: authorized.authorization!.authorizationId, args: authorized.authorization!.args, status: 'succeeded', output: { refundId: 'r1' } };
  await reportAgentRun(env.client, gated.actionId, report);
  await reportAgentRun(env.client, gated.actionId, report);
  await awaitOutcome(env.client, gated.actionId);
  await save(env, name, gated.actionId);
}

async function approvalScenarios() {
  const env = await localEnvironment();
  const taskQueue = 'record';
  await record(env, taskQueue, async () => {
    const echo = await submitAction(env.client, taskQueue, { agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'hi' }, idempotencyKey: 'rec-echo' });
    await awaitOutcome(env.client, echo.actionId);
    await save(env, 'auto-approved', echo.actionId);

    const approve = await submitApproved(env, taskQueue, refundRequest({ idempotencyKey: 'rec-approve' }));
    await awaitOutcome(env.client, approve.actionId);
    await save(env, 'approved', approve.actionId);

    const deny = await submitAction(env.client, taskQueue, refundRequest({ idempotencyKey: 'rec-deny' }));
    await waitForStatus(env.client, deny.actionId, (s) => s.phase === 'awaiting_approval');
    await decideAction(env.client, deny.actionId, { approverId: 'bob', decision: 'deny', channel: 'console', argsHash: deny.argsHash, feedback: 'no' });
    await awaitOutcome(env.client, deny.actionId);
    await save(env, 'denied', deny.actionId);

    const quorum = await submitAction(env.client, taskQueue, refundRequest({ amount: '5000.00', idempotencyKey: 'rec-quorum' }));
    await waitForStatus(env.client, quorum.actionId, (s) => s.phase === 'awaiting_approval');
    await decideAction(env.client, quorum.actionId, { approverId: 'alice', decision: 'approve', channel: 'slack', argsHash: quorum.argsHash });
    await decideAction(env.client, quorum.actionId, { approverId: 'alice', decision: 'approve', channel: 'slack', argsHash: quorum.argsHash }).catch(() => undefined);
    await decideAction(env.client, quorum.actionId, { approverId: 'bob', decision: 'approve', channel: 'api', argsHash: quorum.argsHash });
    await awaitOutcome(env.client, quorum.actionId);
    await save(env, 'quorum', quorum.actionId);

    const edited = await submitAction(env.client, taskQueue, refundRequest({ idempotencyKey: 'rec-edit' }));
    await waitForStatus(env.client, edited.actionId, (s) => s.phase === 'awaiting_approval');
    const bigger = { paymentId: 'pay_123', amount: '2500.00', currency: 'USD', reason: 'full refund' };
    await decideAction(env.client, edited.actionId, { approverId: 'alice', decision: 'approve', channel: 'console', argsHash: edited.argsHash, editedArgs: bigger });
    const round2 = await waitForStatus(env.client, edited.actionId, (s) => s.phase === 'awaiting_approval' && s.approval?.round === 2);
    await decideAction(env.client, edited.actionId, { approverId: 'bob', decision: 'approve', channel: 'api', argsHash: round2.argsHash });
    await awaitOutcome(env.client, edited.actionId);
    await save(env, 'edited', edited.actionId);

    const plan = await submitAction(env.client, taskQueue, {
      agentId: 'billing-bot',
      tool: PLAN_TOOL,
      args: {
        steps: [
          { tool: 'payments.refund', args: { paymentId: 'p', amount: '10.00', currency: 'USD', reason: 'r' } },
          { tool: 'demo.fail', args: { message: 'boom' } },
        ],
      },
      idempotencyKey: 'rec-plan',
    });
    await awaitOutcome(env.client, plan.actionId);
    await save(env, 'plan-compensated', plan.actionId);

    const cancel = await submitAction(env.client, taskQueue, refundRequest({ idempotencyKey: 'rec-cancel' }));
    await waitForStatus(env.client, cancel.actionId, (s) => s.phase === 'awaiting_approval');
    await actionHandle(env.client, cancel.actionId).cancel();
    await awaitOutcome(env.client, cancel.actionId);
    await save(env, 'cancelled', cancel.actionId);

    await reportedGateOnlyRun(env, taskQueue, 'rec-agent-run', 'agent-run');

    const failed = await submitAction(env.client, taskQueue, { agentId: 'billing-bot', tool: 'demo.fail', args: { message: 'boom' }, idempotencyKey: 'rec-fail' });
    await awaitOutcome(env.client, failed.actionId);
    await save(env, 'tool-failed', failed.actionId);
  });
}

async function timeoutScenario() {
  const server = temporalTestServerPath();
  const env = await TestWorkflowEnvironment.createTimeSkipping(server ? { server: { executable: { type: 'existing-path', path: server } } } : {});
  await record(env, 'record-timeout', async () => {
    const expired = await submitAction(env.client, 'record-timeout', refundRequest({ idempotencyKey: 'rec-timeout' }));
    await awaitOutcome(env.client, expired.actionId);
    await save(env, 'expired', expired.actionId);
  });
}

/**
 * Paths with a history of their own, beside the main scenarios' generations: an approved gate-only run
 * reported (twice) with no claim, its report recorded by a normal activity after Temporal accepted it
 * (agent-report-recorded-after-accept), and a plan whose failing compensation waits for a person, answered
 * by a non-approver (accepted, refused by the write) and then by an approver (compensation-resolution-recorded-after-accept).
 */
async function pathScenarios() {
  const env = await localEnvironment();
  const taskQueue = 'record-paths';
  const stubborn = stubbornTool();
  await record(
    env,
    taskQueue,
    async () => {
      await reportedGateOnlyRun(env, taskQueue, 'rec-agent-run-reported', 'agent-run-reported');

      // No rule covers demo.stubborn, so the plan waits for an approval.
      const plan = await submitApproved(env, taskQueue, {
        agentId: 'billing-bot',
        tool: PLAN_TOOL,
        args: {
          steps: [
            { tool: 'demo.stubborn', args: { id: 'rec-1' } },
            { tool: 'demo.fail', args: { message: 'boom' } },
          ],
        },
        idempotencyKey: 'rec-plan-resolved',
      });
      await waitForStatus(env.client, plan.actionId, (s) => s.phase === 'compensation_failed', 60_000);
      const handle = actionHandle(env.client, plan.actionId);
      await handle.executeUpdate(resolveCompensationUpdate, { args: [{ approverId: 'victor', step: 0, resolution: 'retry' }] }).catch(() => undefined);
      stubborn.state.undoWorks = true;
      await handle.executeUpdate(resolveCompensationUpdate, { args: [{ approverId: 'alice', step: 0, resolution: 'retry' }] });
      await awaitOutcome(env.client, plan.actionId);
      await save(env, 'plan-compensation-resolved', plan.actionId);
    },
    [stubborn.tool],
  );
}

try {
  if (pathsOnly) {
    await pathScenarios();
  } else {
    await approvalScenarios();
    await timeoutScenario();
  }
} finally {
  await database.drop();
}
