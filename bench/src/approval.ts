import { performance } from 'node:perf_hooks';
import { forecastApproval } from '@airlock/console';
import type { ActionRequest } from '@airlock/core';
import { awaitOutcome, getActionStatus, submitAction, type SubmitOptions } from '@airlock/core/gateway';
import type { Client } from '@temporalio/client';
import { HIGH_TOOL } from './airlock/high-tool.js';
import { bareToolStarts } from './bare/activities.js';
import { BARE_DECIDE_UPDATE, BARE_DECIDE_WORKFLOW } from './bare/worker.js';
import type { StartProbe } from './start-probe.js';
import { benchPolicy } from './airlock/policy.js';
import { BENCH_AGENT_PROFILE, nextAgent } from './airlock/worker.js';
import type { DecisionChannel, GatedAction } from './decision/channel.js';
import { nextId } from './ids.js';
import { summarize, type Summary } from './stats.js';
import { within } from './timeout.js';

export interface ChannelTiming {
  label: string;
  short: string;
  /** From sending the decision request to the tool body starting (the figure the target is about). */
  toToolStart: Summary;
  /** From sending it to its answer (the decide update's round trip plus what the channel adds; Slack acks before deciding). */
  requestReturns: Summary;
  /** Not a target: another tree's console (--console-baseline), or bare Temporal's floor. */
  baseline?: boolean;
}

async function waitForApprovalGate(client: Client, actionId: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const status = await getActionStatus(client, actionId);
      if (status.phase === 'awaiting_approval') return status.argsHash;
    } catch {
      // The first workflow task may not have run yet.
    }
    if (Date.now() > deadline) throw new Error(`${actionId} never reached awaiting_approval`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const policy = benchPolicy().current();
/** Submitted as POST /api/v1/actions submits: with its forecast (people decide this tool), so admitted in the first workflow task. */
const asRest: SubmitOptions = {
  expectsApproval: (request: ActionRequest) => forecastApproval(policy, { id: request.agentId, owner: null, ...BENCH_AGENT_PROFILE }, request),
};

async function gatedAction(client: Client, taskQueue: string): Promise<GatedAction> {
  const key = nextId('high');
  const request = { agentId: nextAgent(), tool: HIGH_TOOL, args: { message: key }, rationale: 'benchmark', idempotencyKey: key };
  const { actionId } = await submitAction(client, taskQueue, request, asRest);
  return { actionId, argsHash: await waitForApprovalGate(client, actionId) };
}

/** One high-risk action: submit, wait at the gate and let the channel set up (untimed), then time decision → tool start. */
async function oneApproval(client: Client, taskQueue: string, probe: StartProbe, channel: DecisionChannel): Promise<{ toToolStart: number; requestReturns: number }> {
  const action = await gatedAction(client, taskQueue);
  const send = await channel.prepare(action);
  const toolStarted = probe.waitFor(action.actionId);
  const t0 = performance.now();
  const answered = send().then(() => performance.now());
  const [startedAt, answeredAt] = await Promise.all([toolStarted, answered]);
  const outcome = await within(awaitOutcome(client, action.actionId), `approved action ${action.actionId}`);
  if (outcome.status !== 'executed') throw new Error(`approved action ${action.actionId} (${channel.key}) ended ${JSON.stringify(outcome)}`);
  return { toToolStart: startedAt - t0, requestReturns: answeredAt - t0 };
}

/**
 * Bare Temporal's decision → tool start, the floor under every channel, timed beside
 * them: a workflow waiting on one Update (cached on its worker, as a gated action is),
 * that schedules one activity in the workflow task that accepts it.
 */
export interface DecisionFloor {
  key: string;
  label: string;
  sample(): Promise<{ toToolStart: number; requestReturns: number }>;
}

export function bareDecisionFloor(client: Client, taskQueue: string): DecisionFloor {
  return {
    key: 'bare',
    label: 'bare Temporal: Update -> activity starts',
    async sample() {
      const id = nextId('bare-decide');
      const handle = await client.workflow.start(BARE_DECIDE_WORKFLOW, { workflowId: id, taskQueue, args: [{ id }] });
      // Waiting once its first workflow task completed (started, task scheduled, started, completed).
      const deadline = Date.now() + 20_000;
      while ((await handle.describe()).historyLength < 4) {
        if (Date.now() > deadline) throw new Error(`${id} never waited for its update`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const started = bareToolStarts.waitFor(id);
      const t0 = performance.now();
      const answered = handle.executeUpdate(BARE_DECIDE_UPDATE, { args: ['approve'] }).then(() => performance.now());
      const [startedAt, answeredAt] = await Promise.all([started, answered]);
      await within(handle.result(), `bare decision ${id}`);
      return { toToolStart: startedAt - t0, requestReturns: answeredAt - t0 };
    },
  };
}

/**
 * `runs` decisions per channel, one at a time, against the same worker: each
 * round sends one through every channel (and the bare floor, when given), starting
 * at a different one each round, so drift on the machine hits them alike.
 */
export async function decisionToToolStart(
  client: Client,
  taskQueue: string,
  probe: StartProbe,
  channels: readonly DecisionChannel[],
  runs: number,
  warmup: number,
  floor?: DecisionFloor,
): Promise<Record<string, ChannelTiming>> {
  const lanes = [
    ...channels.map((c) => ({
      key: c.key,
      timing: { label: c.label, short: c.short, ...(c.baseline ? { baseline: true } : {}) },
      sample: () => oneApproval(client, taskQueue, probe, c),
    })),
    // Not a target: what Temporal alone takes, so the channels' figures read against it.
    ...(floor ? [{ key: floor.key, timing: { label: floor.label, short: floor.key, baseline: true }, sample: () => floor.sample() }] : []),
  ];
  const samples = new Map(lanes.map((l) => [l.key, { toToolStart: [] as number[], requestReturns: [] as number[] }]));
  for (let round = 0; round < warmup + runs; round++) {
    for (let j = 0; j < lanes.length; j++) {
      const lane = lanes[(round + j) % lanes.length]!;
      const sample = await lane.sample();
      if (round < warmup) continue;
      const kept = samples.get(lane.key)!;
      kept.toToolStart.push(sample.toToolStart);
      kept.requestReturns.push(sample.requestReturns);
    }
  }
  return Object.fromEntries(
    lanes.map((l) => {
      const s = samples.get(l.key)!;
      const timing: ChannelTiming = { ...l.timing, toToolStart: summarize(s.toToolStart), requestReturns: summarize(s.requestReturns) };
      return [l.key, timing];
    }),
  );
}
