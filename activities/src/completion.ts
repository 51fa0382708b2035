import type { ActionOutcome } from '@airlock/core';
import {
  appendAuditIn,
  appendAuditWithCommit,
  auditChainLockItems,
  auditHeadStatement,
  commitBudgetIn,
  inlineParams,
  inTransaction,
  releaseBudgetIn,
  type AuditEventInput,
  type CommitWith,
  type Db,
} from '@airlock/db';
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
 * before a cancellation), it stays, `action.completed` is not written again, the
 * hold is settled by it, and it is returned when it differs so the caller
 * reports that one; null means `outcome` stands. `begun`: completionStatements'
 * results, when the caller sent them with BEGIN (completeInTransaction). With
 * no hold, the audit rows go in COMMIT's message: the caller must end its
 * transaction with the result (inTransaction does).
 */
export async function completeIn(
  client: pg.PoolClient,
  outcome: ActionOutcome,
  hold: BudgetHold | null,
  run?: SucceededRun,
  begun?: pg.QueryResult[],
): Promise<ActionOutcome | null | CommitWith<ActionOutcome | null>> {
  const stored = storedOutcome(outcome);
  const [recorded, head] = begun ?? [(await client.query(completionStatements(client, outcome, hold, run))) as pg.QueryResult | pg.QueryResult[]].flat();
  let kept: ActionOutcome | null = null;
  if (!(recorded!.rows[0] as { completed: boolean }).completed) {
    const found = await client.query<{ outcome: ActionOutcome | null }>('SELECT outcome FROM actions WHERE id = $1', [outcome.actionId]);
    kept = found.rows[0]?.outcome ?? null;
  }
  const events = [...(run ? [run.succeeded] : []), ...(kept ? [] : [completedEvent(outcome.actionId, stored)])];
  const answer = kept && kept.status !== outcome.status ? kept : null;
  if (!hold) return appendAuditWithCommit(head!, events, answer);
  // Settled by what is recorded: a run that executed before a cancellation commits its cost. Both are idempotent.
  if ((kept ?? outcome).status === 'executed') await commitBudgetIn(client, { actionId: hold.holder });
  else await releaseBudgetIn(client, { actionId: hold.holder });
  await appendAuditIn(client, ...events);
  return answer;
}

/**
 * completeIn's first statements, values inlined, for one message (sent with BEGIN
 * by completeInTransaction): the run's record and the outcome in one statement;
 * with no budget to settle in between, it also takes the audit chain's lock, and
 * the chain head is read in a statement of its own after it.
 * An action refused before admission (unknown agent) has no row, only audit events.
 */
export function completionStatements(client: pg.PoolClient, outcome: ActionOutcome, hold: BudgetHold | null, run?: SucceededRun): string {
  const stored = storedOutcome(outcome);
  const recorded = inlineParams(
    `WITH run AS (UPDATE tool_executions SET status = 'succeeded', result = $5, finished_at = now() WHERE idempotency_key = $4 RETURNING 1),
          completed AS (UPDATE actions SET status = $2::"ActionStatus", outcome = $3, completed_at = now(), updated_at = now()
                         WHERE id = $1 AND outcome IS NULL RETURNING 1)
     SELECT c.n > 0 AS completed${hold ? '' : `, ${auditChainLockItems(client)}`}
       FROM (SELECT count(*) FROM run) r, (SELECT count(*) AS n FROM completed) c`,
    [outcome.actionId, outcome.status, JSON.stringify(stored), run?.idempotencyKey ?? null, JSON.stringify(run?.output ?? null)],
  );
  if (hold) return recorded;
  const keys = [...(run ? [run.succeeded.eventKey] : []), completedEvent(outcome.actionId, stored).eventKey];
  return `${recorded}; ${auditHeadStatement(keys)}`;
}

/** completeIn in a transaction of its own, its first statements sent with BEGIN. */
export function completeInTransaction(db: Db, outcome: ActionOutcome, hold: BudgetHold | null, run?: SucceededRun): Promise<ActionOutcome | null> {
  return inTransaction(db, (client, begun) => completeIn(client, outcome, hold, run, begun), {
    withBegin: (client) => completionStatements(client, outcome, hold, run),
  });
}

export function createCompletionActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /** The workflow's completion step: `completeIn` in a transaction of its own. */
    async completeAction(input: { outcome: ActionOutcome; hold: BudgetHold | null }): Promise<ActionOutcome | null> {
      reached(deps, 'complete.before-write');
      const kept = await completeInTransaction(db, input.outcome, input.hold);
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
