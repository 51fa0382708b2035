import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { submitAction } from '@airlock/core/gateway';
import type { Db } from '@airlock/db';
import type { Client } from '@temporalio/client';
import { workflowIdForAction, type ActionRequest } from '@airlock/core';
import { allWaitingAt } from './task-durations.js';

export interface PendingLoad {
  actionIds: string[];
  /** Until every start call had returned. */
  startSeconds: number;
  /** Until every action's approval row was open. */
  allPendingSeconds: number;
  /** Until every workflow had taken admission's answer and waited (from their histories, read while the worker runs). */
  workflowsWaitingSeconds: number;
}

/**
 * A start call that timed out on a loaded machine is sent again: the action's id comes from its
 * idempotency key, so a second call finds the first one's workflow and never starts another.
 */
export async function withRetries<T>(call: () => Promise<T>, log: (line: string) => void, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts) throw error;
      log(`pending: a start call failed (${error instanceof Error ? error.message : String(error)}), attempt ${attempt} of ${attempts}; trying again`);
      await sleep(1_000 * attempt);
    }
  }
}

/** A refund over 50.00: the default policy wants one approver within the hour, so it waits. */
export function pendingRefund(index: number, agents: readonly string[]) {
  return {
    agentId: agents[index % agents.length]!,
    tool: 'payments.refund',
    args: { paymentId: `pay_pending_${index}`, amount: '125.00', currency: 'USD', reason: 'duplicate charge' },
    rationale: 'The customer was charged twice.',
    idempotencyKey: `pending-${index}`,
  };
}

/**
 * Starts `count` guarded actions that all need an approval, `concurrency` start
 * calls at a time, and waits until every one of them is waiting (counted in the
 * approvals table, one query a second, not per workflow).
 */
export async function startPendingActions(
  client: Client,
  db: Db,
  taskQueue: string,
  options: {
    count: number;
    concurrency: number;
    agents: readonly string[];
    /** The submitting channel's forecast (`submitAction`'s option). */
    expectsApproval?: (request: ActionRequest) => boolean;
    onProgress?: (waiting: number) => Promise<void>;
  },
  log: (line: string) => void,
): Promise<PendingLoad> {
  const began = performance.now();
  const startedAtMs = Date.now();
  const actionIds = new Array<string>(options.count);
  let next = 0;
  const starter = async () => {
    while (next < options.count) {
      const i = next++;
      actionIds[i] = (
        await withRetries(() => submitAction(client, taskQueue, pendingRefund(i, options.agents), options.expectsApproval ? { expectsApproval: options.expectsApproval } : {}), log)
      ).actionId;
      if ((i + 1) % 2_000 === 0) log(`pending: ${i + 1} started`);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, starter));
  const startSeconds = (performance.now() - began) / 1000;

  const deadline = Date.now() + Math.max(10 * 60_000, options.count * 500);
  let lastLog = 0;
  for (;;) {
    const { rows } = await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM approvals WHERE status = 'open'`);
    const open = Number(rows[0]?.n ?? 0);
    if (open >= options.count) break;
    if (Date.now() > deadline) throw new Error(`only ${open} of ${options.count} actions were waiting for approval by the deadline`);
    if (Date.now() - lastLog > 30_000) {
      log(`pending: ${open} of ${options.count} waiting for approval`);
      await options.onProgress?.(open);
      lastLog = Date.now();
    }
    await sleep(1_000);
  }
  const allPendingSeconds = (performance.now() - began) / 1000;
  const workflowsWaitingSeconds = ((await allWaitingAt(client, actionIds.map(workflowIdForAction), deadline)) - startedAtMs) / 1000;
  return { actionIds, startSeconds, allPendingSeconds, workflowsWaitingSeconds };
}
