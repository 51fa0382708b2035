import { performance } from 'node:perf_hooks';
import { awaitOutcome, decideAction, getActionStatus, submitAction } from '@airlock/core/gateway';
import type { Client } from '@temporalio/client';
import { HIGH_TOOL, type StartProbe } from './airlock/high-tool.js';
import { BENCH_APPROVER, nextAgent } from './airlock/worker.js';
import { nextId } from './ids.js';
import { within } from './timeout.js';

export interface ApprovalSample {
  /** From calling decideAction to the tool body starting (the figure asked for). */
  decideToToolStartMs: number;
  /** From calling decideAction to it returning (the update round trip, incl. recordDecision). */
  decideCallMs: number;
}

async function waitForApprovalGate(client: Client, actionId: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await getActionStatus(client, actionId)).phase === 'awaiting_approval') return;
    } catch {
      // The first workflow task may not have run yet.
    }
    if (Date.now() > deadline) throw new Error(`${actionId} never reached awaiting_approval`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** One high-risk action: submit, wait at the gate (untimed), then time approve → tool start. */
async function oneApproval(client: Client, taskQueue: string, probe: StartProbe): Promise<ApprovalSample> {
  const key = nextId('high');
  const { actionId, argsHash } = await submitAction(client, taskQueue, {
    agentId: nextAgent(),
    tool: HIGH_TOOL,
    args: { message: key },
    rationale: 'benchmark',
    idempotencyKey: key,
  });
  await waitForApprovalGate(client, actionId);
  const toolStarted = probe.waitFor(actionId);
  const t0 = performance.now();
  const decided = decideAction(client, actionId, { approverId: BENCH_APPROVER, decision: 'approve', channel: 'api', argsHash }).then(() => performance.now());
  const [startedAt, decidedAt] = await Promise.all([toolStarted, decided]);
  const outcome = await within(awaitOutcome(client, actionId), `approved action ${actionId}`);
  if (outcome.status !== 'executed') throw new Error(`approved action ${actionId} ended ${JSON.stringify(outcome)}`);
  return { decideToToolStartMs: startedAt - t0, decideCallMs: decidedAt - t0 };
}

export async function decisionToToolStart(client: Client, taskQueue: string, probe: StartProbe, runs: number, warmup: number): Promise<ApprovalSample[]> {
  const samples: ApprovalSample[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const sample = await oneApproval(client, taskQueue, probe);
    if (i >= warmup) samples.push(sample);
  }
  return samples;
}
