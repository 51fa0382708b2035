import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { TOOL_OVERRAN_FAILURE, TOOL_RUN_STOP_MS, type ActionOutcome } from '@airlock/core';
import { storableRunResult, type ReportAlteration } from '@airlock/core/report-storage';
import { appendAuditWith, inlineParams, type AuditEventInput, type Db } from '@airlock/db';
import { redactText } from '@airlock/guardrails';
import type { RunCompletion } from './completion.js';
import type { ActivityDeps } from './deps.js';
import { heartbeatingWhile } from './heartbeats.js';
import { reached } from './kill-points.js';
import type { RecheckInput } from './recheck.js';
import { recordToolSuccess } from './records.js';
import { claimRechecked, claimRun } from './run-claim.js';
import { ToolOverran, withinRunLimit } from './run-limit.js';
import { readPreviousRun, type PreviousRun } from './run-reads.js';
import type { SettledRound } from './settled-round.js';
import type { ToolDefinition, ToolRegistry } from './tool-contract.js';

export interface RunToolInput {
  actionId: string;
  tool: string;
  args: Record<string, unknown>;
  idempotencyKey: string;
  /** Who completes the action when the run succeeds (absent only in tasks scheduled before it existed). */
  completion?: RunCompletion;
  /** Tasks scheduled before `completion`: true meant an `in_run` completion with nothing to settle. */
  completeOnSuccess?: boolean;
  /** The requesting agent: its kill switch is checked atomically with claiming the run. */
  agentId?: string;
  /** Re-check (kill switch, policy, budget) before claiming the run: an approved action's run does it itself. */
  recheck?: Omit<RecheckInput, 'args'>;
  /** Approvals Temporal accepted that this run writes first, before anything else (see settled-round.ts). */
  settledRound?: SettledRound;
}

/** What a run returns: its output, and the outcome recorded before when it differs (an `in_run` completion keeps it). */
export interface ToolRun {
  output: unknown;
  kept?: ActionOutcome;
}

function completionOf(input: RunToolInput): RunCompletion {
  return input.completion ?? (input.completeOnSuccess ? { kind: 'in_run', hold: null } : { kind: 'by_workflow' });
}

/** The tool's definition; a tool this worker does not have fails the action, without retry. */
function registeredTool(tools: ToolRegistry, name: string): ToolDefinition {
  const definition = tools.get(name);
  if (!definition) throw ApplicationFailure.nonRetryable(`tool "${name}" is not registered on this worker`, 'UnknownTool');
  return definition;
}

export function createExecutionActivities(deps: ActivityDeps) {
  const { db, tools } = deps;
  const executeClaimed = createClaimedRunner(deps);

  /** A retry whose run an earlier attempt claimed: its recorded end is the answer; a run still marked running goes on. */
  async function afterEarlierAttempt(input: RunToolInput, previous: PreviousRun): Promise<ToolRun> {
    // Recorded storable since storableRunResult; a run recorded before may hold more than Temporal carries.
    if (previous.status === 'succeeded') return { output: storedOutput(previous.result).output };
    // The error is recorded redacted: the retry's failure carries that text, which the outcome is stored with anyway.
    if (previous.status === 'failed') throw ApplicationFailure.nonRetryable(storedError(previous.error ?? 'tool failed').error, 'ToolFailed');
    if (previous.status === 'cancelled') throw ApplicationFailure.nonRetryable('the tool run was cancelled', 'ToolCancelled');
    await claimRun(deps, input, false);
    return executeClaimed(input);
  }

  async function runOnce(input: RunToolInput): Promise<ToolRun> {
    // Before the claim: a run of a tool this worker lacks is never started (the workflow then writes what it was handed).
    registeredTool(tools, input.tool);
    const { recheck, agentId } = input;
    if (recheck && agentId) {
      // An approved action's run: its reads, re-check and claim in one gated transaction, unless an earlier attempt claimed it.
      const { previous } = await claimRechecked(deps, { ...input, recheck, agentId });
      return previous ? afterEarlierAttempt(input, previous) : executeClaimed(input);
    }
    // A run handed a re-check or decisions without what claimRechecked needs would drop them: no workflow schedules one.
    if (recheck || input.settledRound) throw ApplicationFailure.nonRetryable('a run that re-checks itself must name its agent', 'MalformedRun');
    const previous = await readPreviousRun(db, input.idempotencyKey);
    if (previous) return afterEarlierAttempt(input, previous);
    await claimRun(deps, input, true);
    return executeClaimed(input);
  }

  return {
    /**
     * Runs a tool at most once per idempotency key: a recorded success is returned
     * as is on any retry. A tool's own error fails without retry (the agent gets it);
     * infrastructure errors (database down) are retried by Temporal.
     */
    runTool(input: RunToolInput): Promise<ToolRun> {
      return heartbeatingWhile(() => runOnce(input));
    },
  };
}

/** Runs a tool whose run is already claimed (execution row `running`, `tool.started` written) and records how it ended. */
export function createClaimedRunner(deps: ActivityDeps) {
  const { db, tools } = deps;
  const limitMs = deps.toolRunLimitMs ?? TOOL_RUN_STOP_MS;
  return async function executeClaimed(input: RunToolInput): Promise<ToolRun> {
    const { actionId, idempotencyKey } = input;
    const definition = registeredTool(tools, input.tool);
    // Its callers (runTool, admitAndRun) heartbeat the whole attempt (heartbeatingWhile): the signal carries a cancellation.
    const ctx = Context.current();
    let output: unknown;
    try {
      const args = definition.args.parse(input.args);
      output = await withinRunLimit(ctx.cancellationSignal, limitMs, (signal) =>
        definition.execute(args, { db, actionId, idempotencyKey, signal, heartbeat: (d) => ctx.heartbeat(d) }),
      );
    } catch (error) {
      // Checked first: the overrun aborts the signal the tool holds, and a cancellation landing after it changes nothing.
      const overran = error instanceof ToolOverran;
      if (!overran && ctx.cancellationSignal.aborted) {
        // Only a cancellation the workflow asked for (a kill switch, an operator) ends the run. A worker shutting down past
        // its grace, or a server that gave the attempt up (heartbeat timeout), also aborts the signal, and Temporal retries:
        // the row stays `running`, so the retry runs the tool again under its key, as after a worker that died.
        if (!ctx.cancellationDetails?.cancelRequested) throw interrupted(ctx);
        await recordToolEnd(db, idempotencyKey, 'cancelled', 'cancelled', {
          eventKey: `${actionId}:tool.cancelled:${idempotencyKey}`,
          actionId,
          type: 'tool.cancelled',
          actor: 'system:executor',
          payload: { tool: input.tool },
        });
        // Reported as the cancellation it is, whatever the tool threw on seeing it ("cancelled while sleeping"): as a
        // plain failure the workflow would take it for the tool's own error and end the action `failed`.
        throw new CancelledFailure(`the tool run was cancelled: ${errorMessage(error)}`);
      }
      // Carried (the failure's message rides in a payload) as storableRunResult says: cut to 4,000 characters, NUL replaced.
      const { error: message, altered } = storedError(errorMessage(error));
      // Recorded redacted, as completion records the outcome's: a tool's error quotes what it was given and met.
      const recorded = redactText(message).text;
      await recordToolEnd(db, idempotencyKey, 'failed', recorded, {
        eventKey: `${actionId}:tool.failed:${idempotencyKey}`,
        actionId,
        type: 'tool.failed',
        actor: 'system:executor',
        payload: { tool: input.tool, error: recorded, ...(altered ? { resultAltered: altered } : {}) },
      });
      throw ApplicationFailure.nonRetryable(message, overran ? TOOL_OVERRAN_FAILURE : 'ToolFailed');
    }
    // The tool ran: an output that cannot be stored, or carried under Temporal's payload limit, is recorded and
    // returned in the storable form (never a failed completion retried for ever, nor a record whose failure runs the tool again).
    const stored = storedOutput(output);
    output = stored.output;
    const completion = completionOf(input);
    const completes = completion.kind === 'in_run';
    if (completes) reached(deps, 'complete.before-write');
    const kept = await recordToolSuccess(db, { actionId, tool: input.tool, idempotencyKey, output, completion, ...(stored.altered ? { altered: stored.altered } : {}) });
    if (completes) reached(deps, 'complete.after-write');
    return kept ? { output, kept } : { output };
  };
}

/**
 * A run's end other than success: its execution row and its audit row in one transaction. Written apart, a worker
 * dying between them left the row ended with no audit row, and the retry (afterEarlierAttempt) answers from the row.
 */
async function recordToolEnd(db: Db, idempotencyKey: string, status: 'failed' | 'cancelled', error: string, ended: AuditEventInput): Promise<void> {
  const update = inlineParams(`UPDATE tool_executions SET status = $2, error = $3, finished_at = now() WHERE idempotency_key = $1`, [idempotencyKey, status, error]);
  await appendAuditWith(db, [update], ended);
}

/** The retryable failure of an attempt stopped by its worker or its server, not by a cancellation (see executeClaimed). */
function interrupted(ctx: Context): ApplicationFailure {
  const reason: unknown = ctx.cancellationSignal.reason;
  const why = reason instanceof Error ? reason.message : String(reason);
  return ApplicationFailure.retryable(`the tool run was interrupted (${why}) and is retried`, 'ToolInterrupted');
}

/** A run's output as it is recorded and returned (storableRunResult), and what was changed. */
function storedOutput(sent: unknown): { output: unknown; altered?: ReportAlteration } {
  const { result, altered } = storableRunResult({ status: 'succeeded', output: sent });
  return { output: result.status === 'succeeded' ? result.output : null, ...(altered ? { altered } : {}) };
}

/** A run's error as it is recorded and carried (storableRunResult), and what was changed. */
function storedError(sent: string): { error: string; altered?: ReportAlteration } {
  const { result, altered } = storableRunResult({ status: 'failed', error: sent });
  return { error: result.status === 'failed' ? result.error : sent, ...(altered ? { altered } : {}) };
}

/** What a tool threw, as text: an Error's message, or the value itself (never throws: a value whose String() throws is named). */
function errorMessage(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    return 'the tool threw a value that cannot be written as text';
  }
}
