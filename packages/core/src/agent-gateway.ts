import { ServiceError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ActionOutcome } from './action.js';
import { AgentReportBody, RunClaimBody, type AgentReport, type Authorization, type RunClaimed } from './agent-run.js';
import { claimRunUpdate, reportUpdate, RUN_CLAIMED_ELSEWHERE } from './messages.js';
import { formatZodError } from './errors.js';
import { actionHandle, DecisionRejectedError, getActionStatus, InvalidRequestError, isClosedWorkflowError } from './gateway.js';
import { argsHash as hashArgs, sha256Hex } from './hashing.js';
import { storableReportResult } from './report-storage.js';
import type { ActionPhase } from './status.js';
import { WakeUp } from './wake-up.js';

/**
 * Gate-only actions from the outside: where an authorization stands, and the
 * agent's report of its run. Node-only (`@airlock/core/agent-gateway`).
 */

export type AuthorizationState =
  | { state: 'authorized'; tool: string; authorization: Authorization }
  | { state: 'pending'; phase: ActionPhase }
  | { state: 'completed'; outcome: ActionOutcome; authorization?: Authorization };

/** Thrown when the action was never a gate-only one (it runs in the worker). */
export class NotAgentRunError extends Error {
  override name = 'NotAgentRunError';
}

export async function readAuthorization(client: Client, actionId: string): Promise<AuthorizationState> {
  const view = await getActionStatus(client, actionId);
  const authorization = view.authorization && withoutReportHash(view.authorization);
  if (view.outcome && view.phase === 'completed') return { state: 'completed', outcome: view.outcome, ...(authorization ? { authorization } : {}) };
  if (view.phase === 'awaiting_report' && authorization) return { state: 'authorized', tool: view.tool, authorization };
  return { state: 'pending', phase: view.phase };
}

/**
 * Tells a waiter when an action's audit log grows. Every change that ends an authorization
 * wait (`action.authorized`, `action.completed`) is an audit row committed by the activity
 * just before the workflow takes its result, so the row is the moment to read the workflow.
 */
export interface ActionWatch {
  /**
   * Calls `wake` with the type of each audit row of `actionId` committed after the returned
   * promise resolves, until the returned function is called. Best effort: a missed row costs
   * the waiter one fallback interval, never the answer.
   */
  watch(actionId: string, wake: (type: string) => void): Promise<() => void>;
}

export interface AuthorizationWaitOptions {
  /** Ends the wait early (the caller went away, the console is stopping) with the state read last. */
  signal?: AbortSignal;
  /** Wakes the wait when the action may have moved; without one, the workflow is read every 250 ms. */
  watch?: ActionWatch;
  /** With a watch, how long the wait trusts it before reading the workflow anyway (default 5 s). */
  fallbackMs?: number;
}

// Each read is a query, which the worker answers by replaying the workflow when it is not cached.
const UNWATCHED_POLL_MS = 250;
const WATCHED_FALLBACK_MS = 5_000;
const ENDS_THE_WAIT: ReadonlySet<string> = new Set(['action.authorized', 'action.completed']);
// After such a row the workflow moves once the activity's completion reaches it: tens of ms, longer under load.
const FOLLOW_UP_MS = [10, 25, 50, 100, 200, 400, 800];

/**
 * The least time one read of the workflow is given, however little is left of the wait: the query is answered
 * by a worker, which may first replay the workflow's history.
 */
export const STATUS_READ_MIN_MS = 3_000;
/** The most: without a worker on the action's queue, Temporal would hold the query for 30 s whatever the wait. */
export const STATUS_READ_MAX_MS = 10_000;

/** A wait ended without any read of the workflow answered: no worker took the action's status query in time. */
export class StatusUnansweredError extends Error {
  override name = 'StatusUnansweredError';
}

/**
 * Reads the workflow until the action is authorized or over, or `waitMs` passes.
 * A query per read needs no handler that would keep the workflow open. With a
 * watch, it reads at the start, soon after each row that may end the wait, and
 * otherwise only every `fallbackMs`: a 30 s wait is about 5 queries, not 120.
 * Each read has its own deadline (STATUS_READ_MIN_MS..STATUS_READ_MAX_MS), so the
 * wait ends about when it should even with no worker up: with the last state read,
 * or, when no read was answered, StatusUnansweredError.
 */
export async function waitForAuthorization(client: Client, actionId: string, waitMs: number, options: AuthorizationWaitOptions = {}): Promise<AuthorizationState> {
  const deadline = Date.now() + waitMs;
  const { signal, watch } = options;
  const wakeUp = new WakeUp();
  let woken = false;
  const unwatch =
    watch && waitMs > 0
      ? await watch.watch(actionId, (type) => {
          if (!ENDS_THE_WAIT.has(type)) return;
          woken = true;
          wakeUp.wake();
        })
      : undefined;
  const aborted = () => wakeUp.wake();
  signal?.addEventListener('abort', aborted, { once: true });
  try {
    let followUps: number[] = [];
    let lastRead: AuthorizationState | undefined;
    for (;;) {
      const state = await readWithin(client, actionId, deadline);
      if (state && state.state !== 'pending') return state;
      lastRead = state ?? lastRead;
      if (Date.now() >= deadline || signal?.aborted) {
        if (lastRead) return lastRead;
        throw new StatusUnansweredError(`no worker answered the status query of action ${actionId} in time: is an Airlock worker running on its task queue?`);
      }
      const interval = followUps.shift() ?? (unwatch ? (options.fallbackMs ?? WATCHED_FALLBACK_MS) : UNWATCHED_POLL_MS);
      await wakeUp.sleep(Math.min(interval, Math.max(1, deadline - Date.now())));
      if (woken) {
        woken = false;
        followUps = [...FOLLOW_UP_MS];
      }
    }
  } finally {
    signal?.removeEventListener('abort', aborted);
    unwatch?.();
  }
}

/** One read of the workflow under its own deadline (see STATUS_READ_MIN_MS); undefined when no worker answered by then. */
async function readWithin(client: Client, actionId: string, waitDeadline: number): Promise<AuthorizationState | undefined> {
  const now = Date.now();
  const readDeadline = now + Math.min(STATUS_READ_MAX_MS, Math.max(STATUS_READ_MIN_MS, waitDeadline - now));
  try {
    return await client.withDeadline(readDeadline, () => readAuthorization(client, actionId));
  } catch (error) {
    if (endedByDeadline(error, readDeadline)) return undefined;
    throw error;
  }
}

// How gRPC ends a call at its deadline: DEADLINE_EXCEEDED, or CANCELLED ("Call cancelled") when Temporal's retry interceptor holds it.
const DEADLINE_CODES: ReadonlySet<unknown> = new Set([1, 4]);

/** A call the client ended at `deadline` (a ServiceError around the gRPC status), not one the server refused. */
function endedByDeadline(error: unknown, deadline: number): boolean {
  return error instanceof ServiceError && Date.now() >= deadline && DEADLINE_CODES.has((error.cause as { code?: unknown } | undefined)?.code);
}

/**
 * The agent's report; the same report twice returns the same outcome, another report or other arguments are refused.
 * Only its structure can be a 400: an output or error that cannot be stored as sent is stored as storableReportResult says.
 */
export async function reportAgentRun(client: Client, actionId: string, raw: unknown): Promise<ActionOutcome> {
  const parsed = AgentReportBody.safeParse(raw);
  if (!parsed.success) throw new InvalidRequestError(formatZodError(parsed.error));
  const body = parsed.data;
  // The tool has run: an output or error that cannot be stored as sent is recorded in a storable form, never refused.
  const { result, altered, sentJson } = storableReportResult(
    body.status === 'succeeded' ? { status: body.status, output: body.output ?? null } : { status: body.status, error: body.error },
  );
  // An altered report's hash also covers what was sent, so two reports that differ only in what was cut stay two reports.
  const reportHash = hashArgs(sentJson === undefined ? result : { ...result, sentSha256: sha256Hex(sentJson) });
  const report: AgentReport = { authorizationId: body.authorizationId, argsHash: hashArgs(body.args), reportHash, ...result, ...(altered ? { altered } : {}) };
  try {
    return await actionHandle(client, actionId).executeUpdate(reportUpdate, { args: [report] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause;
      throw new DecisionRejectedError(cause instanceof Error ? cause.message : error.message);
    }
    if (!isClosedWorkflowError(error)) throw error;
  }
  // Closed already: a repeat of the report that closed it gets the same answer; anything else is refused.
  const view = await getActionStatus(client, actionId);
  if (!view.authorization) throw new NotAgentRunError(`action ${actionId} is not a gate-only action or ended before it was authorized`);
  if (view.authorization.authorizationId !== report.authorizationId) throw new DecisionRejectedError('unknown authorization id for this action');
  if (view.authorization.argsHash !== report.argsHash) throw new DecisionRejectedError('the report names other arguments than were approved');
  if (view.authorization.reportHash !== report.reportHash || !view.outcome) {
    throw new DecisionRejectedError(view.outcome?.status === 'expired' ? 'the authorization expired before the report' : 'the action was already closed with another result');
  }
  return view.outcome;
}

/** Thrown when another runner claimed the run first: it may have run the tool (its report will say). */
export class RunClaimedElsewhereError extends Error {
  override name = 'RunClaimedElsewhereError';
}

/**
 * A runner claims the authorized run before starting the tool (the `claimRun` Update): answered once the claim is
 * in the workflow's history and its audit row (`action.authorization_claimed`) committed. The same runner again
 * gets the same answer; another runner, RunClaimedElsewhereError; an action not (or no longer) awaiting its
 * report (not authorized yet, expired, revoked, reported, over), DecisionRejectedError.
 */
export async function claimAgentRun(client: Client, actionId: string, raw: unknown): Promise<RunClaimed> {
  const parsed = RunClaimBody.safeParse(raw);
  if (!parsed.success) throw new InvalidRequestError(formatZodError(parsed.error));
  try {
    return await actionHandle(client, actionId).executeUpdate(claimRunUpdate, { args: [parsed.data] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause;
      if (cause instanceof ApplicationFailure && cause.type === RUN_CLAIMED_ELSEWHERE) throw new RunClaimedElsewhereError(cause.message);
      throw new DecisionRejectedError(cause instanceof Error ? cause.message : error.message);
    }
    if (!isClosedWorkflowError(error)) throw error;
  }
  const view = await getActionStatus(client, actionId);
  if (!view.authorization) throw new NotAgentRunError(`action ${actionId} is not a gate-only action or ended before it was authorized`);
  if (view.authorization.authorizationId !== parsed.data.authorizationId) throw new DecisionRejectedError('unknown authorization id for this action');
  throw new DecisionRejectedError(`the action is over (${view.outcome?.status ?? 'closed'}): its run can no longer be claimed`);
}

function withoutReportHash(authorization: Authorization & { reportHash?: string }): Authorization {
  const { reportHash: _reportHash, ...rest } = authorization;
  return rest;
}
