import type { ActionOutcome } from '@airlock/core';
import { appendAuditIn, appendAuditLockedIn, auditChainLockItems, commitBudgetIn, inTransaction, releaseBudgetIn, type AuditEventInput } from '@airlock/db';
import { redact } from '@airlock/guardrails';
import type pg from 'pg';
import type { ActivityDeps } from './deps.js';
import { reached } from './kill-points.js';

/** The budget reservation an action holds (under `holder`, the action or an edit of it), settled when it completes. */
export interface BudgetHold {
  holder: string;
}

/** Who completes the action when a tool run ends. */
export type RunCompletion =
  /** The run's success completes it in the same commit, settling `hold` (the workflow then records nothing more). */
  | { kind: 'in_run'; hold: BudgetHold | null }
  /** The workflow's completion step does (plan steps: one step's success is not the plan's outcome). */
  | { kind: 'by_workflow' };

/** A tool run that succeeded and completes the action: its execution row is recorded with the outcome, its audit row goes first. */
export interface SucceededRun {
  idempotencyKey: string;
  output: unknown;
  succeeded: AuditEventInput;
}

/**
 * The one place an action ends, inside the caller's transaction: records its
 * (redacted) outcome, settles the budget hold by it (committed if the tool ran,
 * released otherwise) and appends `action.completed` (after the run's own row,
 * when a `run` completes the action). Outcomes are immutable (also a
 * trigger): if one is already recorded (a retried step, a run that finished
 * before a cancellation), it stays, the hold is settled by it, and it is returned
 * when it differs so the caller reports that one; null means `outcome` stands.
 */
export async function completeIn(client: pg.PoolClient, outcome: ActionOutcome, hold: BudgetHold | null, run?: SucceededRun): Promise<ActionOutcome | null> {
  const stored = storedOutcome(outcome);
  // One statement: the run's record, the outcome and, when no budget settles in between, the audit chain's lock for the append.
  // An action refused before admission (unknown agent) has no row, only audit events.
  const { rows } = await client.query<{ completed: boolean }>(
    `WITH run AS (UPDATE tool_executions SET status = 'succeeded', result = $5, finished_at = now() WHERE idempotency_key = $4 RETURNING 1),
          completed AS (UPDATE actions SET status = $2::"ActionStatus", outcome = $3, completed_at = now(), updated_at = now()
                         WHERE id = $1 AND outcome IS NULL RETURNING 1)
     SELECT c.n > 0 AS completed${hold ? '' : `, ${auditChainLockItems(client)}`}
       FROM (SELECT count(*) FROM run) r, (SELECT count(*) AS n FROM completed) c`,
    [outcome.actionId, outcome.status, JSON.stringify(stored), run?.idempotencyKey ?? null, JSON.stringify(run?.output ?? null)],
  );
  let kept: ActionOutcome | null = null;
  if (!rows[0]!.completed) {
    const found = await client.query<{ outcome: ActionOutcome | null }>('SELECT outcome FROM actions WHERE id = $1', [outcome.actionId]);
    kept = found.rows[0]?.outcome ?? null;
  }
  // Settled by what is recorded: a run that executed before a cancellation commits its cost. Both are idempotent.
  if (hold) {
    if ((kept ?? outcome).status === 'executed') await commitBudgetIn(client, { actionId: hold.holder });
    else await releaseBudgetIn(client, { actionId: hold.holder });
  }
  const events = [...(run ? [run.succeeded] : []), ...(kept ? [] : [completedEvent(outcome.actionId, stored)])];
  await (hold ? appendAuditIn(client, ...events) : appendAuditLockedIn(client, ...events));
  return kept && kept.status !== outcome.status ? kept : null;
}

export function createCompletionActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /** The workflow's completion step: `completeIn` in a transaction of its own. */
    async completeAction(input: { outcome: ActionOutcome; hold: BudgetHold | null }): Promise<ActionOutcome | null> {
      reached(deps, 'complete.before-write');
      const kept = await inTransaction(db, (client) => completeIn(client, input.outcome, input.hold));
      reached(deps, 'complete.after-write');
      return kept;
    },
  };
}

/** Stored redacted: the agent gets the raw outcome from the workflow, the database never holds it. */
function storedOutcome(outcome: ActionOutcome): ActionOutcome {
  return redact(JSON.parse(JSON.stringify(outcome)) as ActionOutcome).value;
}

function withoutOutput({ output: _output, ...rest }: Extract<ActionOutcome, { status: 'executed' }>) {
  return rest;
}

function completedEvent(actionId: string, stored: ActionOutcome): AuditEventInput {
  // The tool output stays out of the audit log: it may hold data the log must not keep.
  const auditable = stored.status === 'executed' ? withoutOutput(stored) : stored;
  return { eventKey: `${actionId}:completed`, actionId, type: 'action.completed', actor: 'system:workflow', payload: auditable };
}
