import { performance } from 'node:perf_hooks';
import { awaitOutcome, getActionStatus, submitAction } from '@airlock/core/gateway';
import type { Client } from '@temporalio/client';
import { HIGH_TOOL, type StartProbe } from './airlock/high-tool.js';
import { nextAgent } from './airlock/worker.js';
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
  /** Another tree's console (--console-baseline), not a target. */
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

async function gatedAction(client: Client, taskQueue: string): Promise<GatedAction> {
  const key = nextId('high');
  const { actionId } = await submitAction(client, taskQueue, { agentId: nextAgent(), tool: HIGH_TOOL, args: { message: key }, rationale: 'benchmark', idempotencyKey: key });
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
 * `runs` decisions per channel, one at a time, against the same worker: each
 * round sends one through every channel, starting at a different channel each
 * round, so drift on the machine hits them alike.
 */
export async function decisionToToolStart(
  client: Client,
  taskQueue: string,
  probe: StartProbe,
  channels: readonly DecisionChannel[],
  runs: number,
  warmup: number,
): Promise<Record<string, ChannelTiming>> {
  const samples = new Map(channels.map((c) => [c.key, { toToolStart: [] as number[], requestReturns: [] as number[] }]));
  for (let round = 0; round < warmup + runs; round++) {
    for (let j = 0; j < channels.length; j++) {
      const channel = channels[(round + j) % channels.length]!;
      const sample = await oneApproval(client, taskQueue, probe, channel);
      if (round < warmup) continue;
      const kept = samples.get(channel.key)!;
      kept.toToolStart.push(sample.toToolStart);
      kept.requestReturns.push(sample.requestReturns);
    }
  }
  return Object.fromEntries(
    channels.map((c) => {
      const s = samples.get(c.key)!;
      const timing: ChannelTiming = { label: c.label, short: c.short, toToolStart: summarize(s.toToolStart), requestReturns: summarize(s.requestReturns) };
      return [c.key, c.baseline ? { ...timing, baseline: true } : timing];
    }),
  );
}
