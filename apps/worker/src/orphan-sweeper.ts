import { AGENT_RUN_WORKFLOW, GUARDED_ACTION_WORKFLOW, actionIdOfWorkflow } from '@airlock/core';
import { appendAudit, type Db } from '@airlock/db';
import type { Logger } from '@airlock/telemetry';
import type { Client, WorkflowHandle } from '@temporalio/client';
// The SDK's own failure decoding (payload codec: messages may be encrypted); not re-exported from the package root.
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { requiredTsToDate } from '@temporalio/common/lib/time';

/**
 * Every action workflow must have an action row: the row is what the console,
 * the approvals list and the kill switch see. Admission writes it in its first
 * step, so a workflow that runs on without one is stuck before admission (an
 * input the activity cannot handle, retried forever) and invisible to people.
 * The sweeper pages through such workflows in Temporal visibility, writes an
 * audit row and a log line for each, and terminates it.
 */
export interface OrphanSweeperOptions {
  client: Client;
  db: Db;
  taskQueue: string;
  logger: Logger;
  /** A workflow younger than this is never an orphan (admission may be in flight). */
  graceMs?: number;
  /** An orphan whose admission (or whose workflow task) failed this many attempts in a row is terminated. */
  minFailedAttempts?: number;
  /**
   * An orphan whose admission is no activity with attempts to count (a local activity, or none
   * scheduled) is terminated this long after a worker first ran it, failed attempts or not.
   */
  maxAgeWithoutRowMs?: number;
  /** Running workflows are read from visibility this many at a time, their rows looked up in one query a page. */
  batchSize?: number;
  /** A sweep of startOrphanSweeper reads at most this many pages; the next goes on from there. */
  maxPagesPerSweep?: number;
}

export interface SweptOrphan {
  workflowId: string;
  runId: string;
  actionId: string;
  workflowType: string;
  startedAt: string;
  why: string;
}

/**
 * Temporal's record of the terminate says only this: the reason may quote the admission's
 * failure, which the payload codec keeps encrypted in history (tool errors echo arguments).
 * The reason itself is in the audit row, redacted like every other.
 */
export const ORPHAN_TERMINATE_REASON = 'Airlock orphan sweeper: no action row (the reason is in the audit log, workflow.orphan_terminated)';

const DEFAULTS = { graceMs: 2 * 60_000, minFailedAttempts: 5, maxAgeWithoutRowMs: 60 * 60_000, batchSize: 500, maxPagesPerSweep: 20 };

type Settings = Required<Pick<OrphanSweeperOptions, 'graceMs' | 'minFailedAttempts' | 'maxAgeWithoutRowMs' | 'batchSize'>>;

interface Candidate {
  workflowId: string;
  runId: string;
  actionId: string;
  workflowType: string;
  startTime: Date;
}

/** Where a sweep stopped reading visibility: the same query goes on from this page the next time. */
interface Cursor {
  query: string;
  nextPageToken: Uint8Array;
}

/** One whole pass over the task queue's running action workflows: the orphans it terminated. */
export async function sweepOrphanWorkflows(options: OrphanSweeperOptions, now = new Date()): Promise<SweptOrphan[]> {
  return (await sweepPages(options, now, undefined, Number.POSITIVE_INFINITY)).swept;
}

/**
 * A sweeper that reads at most `maxPagesPerSweep` pages a call and goes on from there the next
 * call, back to the start after the last page: every running workflow is looked at in turn, however
 * many there are, with bounded work a call. Cheap when there are none: one visibility query.
 */
export function orphanSweep(options: OrphanSweeperOptions): (now?: Date) => Promise<SweptOrphan[]> {
  const maxPages = options.maxPagesPerSweep ?? DEFAULTS.maxPagesPerSweep;
  let cursor: Cursor | undefined;
  return async (now = new Date()) => {
    try {
      const pass = await sweepPages(options, now, cursor, maxPages);
      cursor = pass.next;
      return pass.swept;
    } catch (error) {
      // A page token the server no longer takes must not stop every later sweep: start over.
      cursor = undefined;
      throw error;
    }
  };
}

async function sweepPages(options: OrphanSweeperOptions, now: Date, from: Cursor | undefined, maxPages: number): Promise<{ swept: SweptOrphan[]; next?: Cursor }> {
  const settings: Settings = {
    graceMs: options.graceMs ?? DEFAULTS.graceMs,
    minFailedAttempts: options.minFailedAttempts ?? DEFAULTS.minFailedAttempts,
    maxAgeWithoutRowMs: options.maxAgeWithoutRowMs ?? DEFAULTS.maxAgeWithoutRowMs,
    batchSize: options.batchSize ?? DEFAULTS.batchSize,
  };
  const query = from?.query ?? runningActionWorkflows(options.taskQueue, new Date(now.getTime() - settings.graceMs));
  let nextPageToken = from?.nextPageToken;
  const swept: SweptOrphan[] = [];
  for (let pages = 0; pages < maxPages; pages++) {
    const page = await readPage(options.client, query, settings.batchSize, nextPageToken);
    for (const candidate of await withoutActionRow(options.db, page.candidates)) {
      const orphan = await sweepCandidate(options, settings, candidate, now);
      if (orphan) swept.push(orphan);
    }
    nextPageToken = page.nextPageToken;
    if (!nextPageToken) return { swept };
  }
  return nextPageToken ? { swept, next: { query, nextPageToken } } : { swept };
}

function runningActionWorkflows(taskQueue: string, startedBefore: Date): string {
  return (
    `TaskQueue = '${taskQueue.replaceAll("'", "\\'")}' AND ExecutionStatus = 'Running' ` +
    `AND WorkflowType IN ('${GUARDED_ACTION_WORKFLOW}', '${AGENT_RUN_WORKFLOW}') AND StartTime < '${startedBefore.toISOString()}'`
  );
}

/** One page of visibility (in whatever order the store keeps: newest first on Temporal's SQL stores). */
async function readPage(client: Client, query: string, pageSize: number, nextPageToken: Uint8Array | undefined): Promise<{ candidates: Candidate[]; nextPageToken?: Uint8Array }> {
  const page = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query,
    pageSize: Math.min(pageSize, 1_000),
    ...(nextPageToken ? { nextPageToken } : {}),
  });
  const candidates = (page.executions ?? []).flatMap((execution): Candidate[] => {
    const workflowId = execution.execution?.workflowId ?? '';
    const actionId = actionIdOfWorkflow(workflowId);
    if (!actionId || !execution.execution?.runId || !execution.startTime) return [];
    return [{ workflowId, runId: execution.execution.runId, actionId, workflowType: execution.type?.name ?? '', startTime: requiredTsToDate(execution.startTime, 'startTime') }];
  });
  return page.nextPageToken?.length ? { candidates, nextPageToken: page.nextPageToken } : { candidates };
}

async function withoutActionRow(db: Db, candidates: Candidate[]): Promise<Candidate[]> {
  if (candidates.length === 0) return [];
  const rows = await db.prisma.action.findMany({ where: { id: { in: candidates.map((c) => c.actionId) } }, select: { id: true } });
  const withRow = new Set(rows.map((r) => r.id));
  return candidates.filter((c) => !withRow.has(c.actionId));
}

/** Terminates the candidate if a worker's failed attempts (or an hour of a worker running it) show it an orphan. */
async function sweepCandidate(options: OrphanSweeperOptions, settings: Settings, candidate: Candidate, now: Date): Promise<SweptOrphan | undefined> {
  const { client, db, logger } = options;
  const handle = client.workflow.getHandle(candidate.workflowId, candidate.runId);
  const why = await whyOrphaned(client, handle, candidate, settings, now);
  if (!why) return undefined;
  // A row may have appeared since the lookup (admission finally succeeded): then it is not an orphan.
  if (await db.prisma.action.findUnique({ where: { id: candidate.actionId }, select: { id: true } })) return undefined;
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
    await handle.terminate(ORPHAN_TERMINATE_REASON);
  } catch (error) {
    // Another worker's sweeper, or the workflow itself, finished it first.
    if ((await handle.describe()).status.name === 'RUNNING') throw error;
  }
  return orphan;
}

/**
 * Evidence that workers tried and could not admit it; undefined while there is none. Time alone
 * is none: actions submitted while no worker ran wait in Temporal, and are admitted once one does.
 */
async function whyOrphaned(client: Client, handle: WorkflowHandle, candidate: Candidate, settings: Settings, now: Date): Promise<string | undefined> {
  const { raw } = await handle.describe();
  const pendingActivities = raw.pendingActivities ?? [];
  // A pending activity's `attempt` is the one in flight or scheduled: the attempts before it failed.
  const failing = pendingActivities.find((a) => a.lastFailure && (a.attempt ?? 1) - 1 >= settings.minFailedAttempts);
  if (failing) {
    const failure = await decodeOptionalFailureToOptionalError(client.options.loadedDataConverter, failing.lastFailure).catch(() => undefined);
    return `no action row after ${(failing.attempt ?? 1) - 1} failed attempts of ${failing.activityType?.name ?? 'admission'}: ${failure?.message ?? 'no failure message'}`;
  }
  // Its code failing before it asks for admission (a failed or timed-out task is retried as the next attempt).
  const failedTasks = (raw.pendingWorkflowTask?.attempt ?? 1) - 1;
  if (failedTasks > 0 && failedTasks >= settings.minFailedAttempts) return `no action row after ${failedTasks} failed workflow tasks`;
  // Admission waiting in an activity is judged by its attempts alone: a backlog is no failure.
  if (pendingActivities.length > 0) return undefined;
  const firstRun = await firstWorkflowTaskCompleted(client, candidate);
  if (!firstRun) return undefined;
  const ranForMs = now.getTime() - firstRun.getTime();
  if (ranForMs < settings.maxAgeWithoutRowMs) return undefined;
  return `no action row ${Math.round(ranForMs / 60_000)} min after a worker first ran it`;
}

/** When a worker first completed one of its workflow tasks (it ran the workflow's code); undefined if none has yet. */
async function firstWorkflowTaskCompleted(client: Client, candidate: Candidate): Promise<Date | undefined> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId: candidate.workflowId, runId: candidate.runId },
    // The first task's events come first: started, scheduled, (timed out or failed, scheduled, …) started, completed.
    maximumPageSize: FIRST_EVENTS,
  });
  const completed = (history?.events ?? []).find((e) => e.workflowTaskCompletedEventAttributes);
  return completed?.eventTime ? requiredTsToDate(completed.eventTime, 'eventTime') : undefined;
}

const FIRST_EVENTS = 50;

/** Sweeps every `intervalMs` (first after one interval) until stopped; a failed sweep is logged and retried next time. */
export function startOrphanSweeper(options: OrphanSweeperOptions & { intervalMs?: number }): () => Promise<void> {
  const intervalMs = options.intervalMs ?? 60_000;
  const sweep = orphanSweep(options);
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() =>
      sweep().catch((error: unknown) => {
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
