import { AGENT_RUN_WORKFLOW, GUARDED_ACTION_WORKFLOW, actionIdOfWorkflow } from '@airlock/core';
import { appendAudit, type Db } from '@airlock/db';
import type { Logger } from '@airlock/telemetry';
import type { Client } from '@temporalio/client';
// The SDK's own failure decoding (payload codec: messages may be encrypted); not re-exported from the package root.
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';

/**
 * Every action workflow must have an action row: the row is what the console,
 * the approvals list and the kill switch see. Admission writes it in its first
 * step, so a workflow that runs on without one is stuck before admission (an
 * input the activity cannot handle, retried forever) and invisible to people.
 * The sweeper finds such workflows through Temporal visibility, writes an audit
 * row and a log line for each, and terminates it with that reason.
 */
export interface OrphanSweeperOptions {
  client: Client;
  db: Db;
  taskQueue: string;
  logger: Logger;
  /** A workflow younger than this is never an orphan (admission may be in flight). */
  graceMs?: number;
  /** An orphan whose admission failed this many attempts in a row is terminated. */
  minFailedAttempts?: number;
  /** An orphan this old is terminated even without failed attempts (never admitted at all). */
  maxAgeWithoutRowMs?: number;
  /** At most this many candidates are looked at per sweep (the oldest first). */
  batchSize?: number;
}

export interface SweptOrphan {
  workflowId: string;
  runId: string;
  actionId: string;
  workflowType: string;
  startedAt: string;
  why: string;
}

const DEFAULTS = { graceMs: 2 * 60_000, minFailedAttempts: 5, maxAgeWithoutRowMs: 60 * 60_000, batchSize: 500 };

/** One sweep: the orphans it terminated. Cheap when there are none: one visibility query and one indexed row lookup. */
export async function sweepOrphanWorkflows(options: OrphanSweeperOptions, now = new Date()): Promise<SweptOrphan[]> {
  const { client, db, taskQueue, logger } = options;
  const graceMs = options.graceMs ?? DEFAULTS.graceMs;
  const minFailedAttempts = options.minFailedAttempts ?? DEFAULTS.minFailedAttempts;
  const maxAgeWithoutRowMs = options.maxAgeWithoutRowMs ?? DEFAULTS.maxAgeWithoutRowMs;
  const batchSize = options.batchSize ?? DEFAULTS.batchSize;
  const startedBefore = new Date(now.getTime() - graceMs).toISOString();
  const query =
    `TaskQueue = '${taskQueue.replaceAll("'", "\\'")}' AND ExecutionStatus = 'Running' ` +
    `AND WorkflowType IN ('${GUARDED_ACTION_WORKFLOW}', '${AGENT_RUN_WORKFLOW}') AND StartTime < '${startedBefore}'`;

  const candidates: { workflowId: string; runId: string; actionId: string; workflowType: string; startTime: Date }[] = [];
  for await (const info of client.workflow.list({ query, pageSize: Math.min(batchSize, 1_000) })) {
    const actionId = actionIdOfWorkflow(info.workflowId);
    if (actionId) candidates.push({ workflowId: info.workflowId, runId: info.runId, actionId, workflowType: info.type, startTime: info.startTime });
    if (candidates.length >= batchSize) break;
  }
  if (candidates.length === 0) return [];
  const rows = await db.prisma.action.findMany({ where: { id: { in: candidates.map((c) => c.actionId) } }, select: { id: true } });
  const withRow = new Set(rows.map((r) => r.id));

  const swept: SweptOrphan[] = [];
  for (const candidate of candidates.filter((c) => !withRow.has(c.actionId))) {
    const handle = client.workflow.getHandle(candidate.workflowId, candidate.runId);
    const description = await handle.describe();
    // A pending activity's `attempt` is the one in flight or scheduled: the attempts before it failed.
    const failing = (description.raw.pendingActivities ?? []).find((a) => a.lastFailure && (a.attempt ?? 1) - 1 >= minFailedAttempts);
    const ageMs = now.getTime() - candidate.startTime.getTime();
    let why: string;
    if (failing) {
      const failure = await decodeOptionalFailureToOptionalError(client.options.loadedDataConverter, failing.lastFailure).catch(() => undefined);
      why = `no action row after ${(failing.attempt ?? 1) - 1} failed attempts of ${failing.activityType?.name ?? 'admission'}: ${failure?.message ?? 'no failure message'}`;
    } else if (ageMs >= maxAgeWithoutRowMs) {
      why = `no action row ${Math.round(ageMs / 60_000)} min after it started`;
    } else {
      continue;
    }
    // A row may have appeared since the lookup (admission finally succeeded): then it is not an orphan.
    if (await db.prisma.action.findUnique({ where: { id: candidate.actionId }, select: { id: true } })) continue;
    const orphan: SweptOrphan = {
      workflowId: candidate.workflowId,
      runId: candidate.runId,
      actionId: candidate.actionId,
      workflowType: candidate.workflowType,
      startedAt: candidate.startTime.toISOString(),
      why,
    };
    // Audited before the terminate: if the audit cannot be written (database down), nothing is terminated.
    await appendAudit(db, {
      eventKey: `${candidate.actionId}:workflow.orphan_terminated:${candidate.runId}`,
      actionId: candidate.actionId,
      type: 'workflow.orphan_terminated',
      actor: 'system:orphan-sweeper',
      payload: { workflowId: orphan.workflowId, runId: orphan.runId, workflowType: orphan.workflowType, startedAt: orphan.startedAt, reason: why },
    });
    logger.error(
      { workflowId: orphan.workflowId, runId: orphan.runId, actionId: orphan.actionId, workflowType: orphan.workflowType },
      `terminating orphan workflow ${orphan.workflowId}: ${why}`,
    );
    try {
      await handle.terminate(`Airlock orphan sweeper: ${why}`);
    } catch (error) {
      // Another worker's sweeper, or the workflow itself, finished it first.
      if ((await handle.describe()).status.name === 'RUNNING') throw error;
    }
    swept.push(orphan);
  }
  return swept;
}

/** Sweeps every `intervalMs` (first after one interval) until stopped; a failed sweep is logged and retried next time. */
export function startOrphanSweeper(options: OrphanSweeperOptions & { intervalMs?: number }): () => Promise<void> {
  const intervalMs = options.intervalMs ?? 60_000;
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() =>
      sweepOrphanWorkflows(options).catch((error: unknown) => {
        options.logger.warn({ err: error }, 'the orphan workflow sweep failed; it runs again at the next interval');
      }),
    );
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
