import { PLAN_TOOL, PlanArgs, type ActionOutcome, type PlanStep } from '@airlock/core';
import { storableRunResult, withStoredFormSecretsRedacted, type ReportAlteration } from '@airlock/core/report-storage';
import {
  appendAuditIn,
  auditAppendStatement,
  auditChainLockItems,
  commitBudgetIn,
  inlineParams,
  inOneMessage,
  inTransaction,
  releaseBudgetIn,
  reportAppended,
  type AuditEventInput,
  type Db,
} from '@airlock/db';
import { redact } from '@airlock/guardrails';
import type pg from 'pg';
import { estimateCost } from './cost.js';
import type { ActivityDeps } from './deps.js';
import { reached } from './kill-points.js';

/** The budget reservation an action holds (under `holder`, the action or an edit of it), settled when it completes. */
export interface BudgetHold {
  holder: string;
  /**
   * A gate-only run that was claimed and never reported: the runner may have run the tool, so the
   * reservation is committed as spent, not released (releasing it could let the same money be spent twice).
   */
  mayHaveRun?: boolean;
  /**
   * A plan that did not execute (a later step failed, or it was cancelled): the steps that ran and were not undone.
   * Their cost is committed as spent and the rest of the plan's hold released; released whole, an agent could spend
   * without limit through plans whose last step fails.
   */
  spentSteps?: PlanStep[];
}

/** How completion settles a hold: what the action spent, when it did not run as a whole (a plan's steps left done). */
export interface Settlement extends BudgetHold {
  /** The cost of `spentSteps`, committed (undefined with them: their cost cannot be worked out, so all of it is). */
  spentAmount?: string;
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
 * The one place an action ends: records its (redacted) outcome, settles the
 * budget hold by it (committed if the tool ran or may have, released otherwise) and appends
 * `action.completed` (after the run's own row, when a `run` completes the
 * action), in one transaction. Outcomes are immutable (also a trigger): if one
 * is already recorded (a retried step, a run that finished before a
 * cancellation), it stays, `action.completed` is not written again, the hold is
 * settled by it, and it is returned when it differs so the caller reports that
 * one; null means `outcome` stands. An action refused before admission (unknown
 * agent) has no row, only audit events. With no hold the whole transaction is
 * one message (completeInOneMessage).
 */
export function completeInTransaction(db: Db, outcome: ActionOutcome, hold: Settlement | null, run?: SucceededRun, altered?: ReportAlteration): Promise<ActionOutcome | null> {
  if (!hold) return completeInOneMessage(db, outcome, run, altered);
  return inTransaction(db, (client, [recorded]) => settleAndComplete(client, outcome, hold, recorded!, run, altered), {
    withBegin: recordedStatement(outcome, run, 'c.n > 0 AS completed'),
  });
}

/** The run's record and the outcome (unless one is recorded) in one statement, values inlined; `selected`: its select list over `c.n`, the rows it completed. */
function recordedStatement(outcome: ActionOutcome, run: SucceededRun | undefined, selected: string): string {
  return inlineParams(
    `WITH run AS (UPDATE tool_executions SET status = 'succeeded', result = $5, finished_at = now() WHERE idempotency_key = $4 RETURNING 1),
          completed AS (UPDATE actions SET status = $2::"ActionStatus", outcome = $3, completed_at = now(), updated_at = now()
                         WHERE id = $1 AND outcome IS NULL RETURNING 1)
     SELECT ${selected}
       FROM (SELECT count(*) FROM run) r, (SELECT count(*) AS n FROM completed) c`,
    [outcome.actionId, outcome.status, JSON.stringify(storedOutcome(outcome)), run?.idempotencyKey ?? null, JSON.stringify(run?.output ?? null)],
  );
}

/** The outcome the action already holds, when `recorded` (recordedStatement's result) says this transaction did not record one. */
async function keptOutcome(client: pg.PoolClient, outcome: ActionOutcome, recorded: pg.QueryResult): Promise<ActionOutcome | null> {
  if ((recorded.rows[0] as { completed: boolean }).completed) return null;
  const found = await client.query<{ outcome: ActionOutcome | null }>('SELECT outcome FROM actions WHERE id = $1', [outcome.actionId]);
  return found.rows[0]?.outcome ?? null;
}

/** With a budget hold: settled by what is recorded (a run that executed before a cancellation commits its cost), then the audit rows. */
async function settleAndComplete(
  client: pg.PoolClient,
  outcome: ActionOutcome,
  hold: Settlement,
  recorded: pg.QueryResult,
  run?: SucceededRun,
  altered?: ReportAlteration,
): Promise<ActionOutcome | null> {
  const kept = await keptOutcome(client, outcome, recorded);
  // All three are idempotent.
  if ((kept ?? outcome).status === 'executed' || hold.mayHaveRun === true) await commitBudgetIn(client, { actionId: hold.holder });
  else if (hold.spentSteps?.length) await commitBudgetIn(client, { actionId: hold.holder, ...(hold.spentAmount ? { actual: hold.spentAmount } : {}) });
  else await releaseBudgetIn(client, { actionId: hold.holder });
  await appendAuditIn(client, ...(run ? [run.succeeded] : []), ...(kept ? [] : [completedEvent(outcome.actionId, storedOutcome(outcome), altered)]));
  return differing(kept, outcome);
}

/** What completion answers: the outcome kept, when it differs from the one offered (null: the offered one stands). */
function differing(kept: ActionOutcome | null, outcome: ActionOutcome): ActionOutcome | null {
  return kept && kept.status !== outcome.status ? kept : null;
}

// Set by recordedStatement in completeInOneMessage: whether this transaction ends the action (`action.completed` is written).
const ENDS_ACTION = 'airlock.ends_action';

/**
 * Completion with no budget to settle, as one message: the record statement
 * takes the chain lock and says whether it recorded the outcome (or the action
 * has no row), the append writes `action.completed` only then, and the outcome
 * read after them is the one kept when it did not.
 */
function completeInOneMessage(db: Db, outcome: ActionOutcome, run?: SucceededRun, altered?: ReportAlteration): Promise<ActionOutcome | null> {
  // `$1` is recordedStatement's action id: a value inlined here would make every action's text a statement of its own,
  // prepared for one use (parsed and planned each time, and filling the connection's prepared statements).
  const ends = `(c.n > 0 OR NOT EXISTS (SELECT 1 FROM actions WHERE id = $1))`;
  return inOneMessage(
    db,
    (client) =>
      [
        recordedStatement(outcome, run, `c.n > 0 AS completed, set_config('${ENDS_ACTION}', ${ends}::text, true), ${auditChainLockItems(client)}`),
        auditAppendStatement([
          ...(run ? [{ event: run.succeeded }] : []),
          { event: completedEvent(outcome.actionId, storedOutcome(outcome), altered), when: `current_setting('${ENDS_ACTION}', true) = 'true'` },
        ]),
        inlineParams('SELECT outcome FROM actions WHERE id = $1', [outcome.actionId]),
      ].join('; '),
    ([recorded, appended, found]) => {
      reportAppended(appended!);
      if ((recorded!.rows[0] as { completed: boolean }).completed) return null;
      const kept = (found!.rows[0] as { outcome: ActionOutcome | null } | undefined)?.outcome ?? null;
      return differing(kept, outcome);
    },
  );
}

export function createCompletionActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /**
     * The workflow's completion step: `completeIn` in a transaction of its own. An executed outcome whose
     * output cannot be stored or returned as it is (a plan's steps, each within the limit, over it together)
     * is recorded in the storable form (storableRunResult), `action.completed` saying so (`resultAltered`),
     * and that outcome is answered, so the workflow returns it (a local activity's input is never sent to
     * Temporal's server; its answer and the workflow's result are, under the 2 MB payload limit).
     */
    async completeAction(input: { outcome: ActionOutcome; hold: BudgetHold | null }): Promise<ActionOutcome | null> {
      const { outcome, altered } = storableOutcome(input.outcome);
      reached(deps, 'complete.before-write');
      const kept = await completeInTransaction(db, outcome, input.hold && settlementOf(deps, input.hold), undefined, altered);
      reached(deps, 'complete.after-write');
      return kept ?? (altered ? outcome : null);
    },
  };
}

/** The hold with what its plan's steps left done cost (estimateCost's sum of them); nothing to add without such steps. */
export function settlementOf(deps: ActivityDeps, hold: BudgetHold): Settlement {
  if (!hold.spentSteps?.length) return hold;
  const steps = PlanArgs.safeParse({ steps: hold.spentSteps });
  // estimateCost reads a step whose tool this worker lacks, or whose arguments its schema now refuses (a pack changed
  // while a compensation waited for a person), as free: here that is a cost unknown, not none.
  const known = steps.success && steps.data.steps.every((step) => deps.tools.get(step.tool)?.args.safeParse(step.args).success === true);
  const estimate = known ? estimateCost(deps, PLAN_TOOL, steps.data) : undefined;
  // A cost that cannot be worked out now (those, a cost function that throws, or answers what budgets cannot hold):
  // all of the hold is committed, never released, as after a run that may have happened.
  if (!estimate?.ok) return hold;
  if (!estimate.cost) return { holder: hold.holder };
  return { ...hold, spentAmount: estimate.cost.amount };
}

/** `outcome` with an executed one's output in the storable form (storableRunResult), and what that changed. */
function storableOutcome(outcome: ActionOutcome): { outcome: ActionOutcome; altered?: ReportAlteration } {
  if (outcome.status !== 'executed') return { outcome };
  const { result, altered } = storableRunResult({ status: 'succeeded', output: outcome.output });
  if (!altered || result.status !== 'succeeded') return { outcome };
  return { outcome: { ...outcome, output: result.output }, altered };
}

/** Stored redacted: the agent gets the raw outcome from the workflow, the database never holds it. */
function storedOutcome(outcome: ActionOutcome): ActionOutcome {
  const stored = redact(JSON.parse(JSON.stringify(outcome)) as ActionOutcome).value;
  // An output kept as its JSON text: redact reads it as text, where a `"pin": 4321` inside is no key.
  return stored.status === 'executed' ? { ...stored, output: withStoredFormSecretsRedacted(stored.output) } : stored;
}

function withoutOutput({ output: _output, ...rest }: Extract<ActionOutcome, { status: 'executed' }>) {
  return rest;
}

function completedEvent(actionId: string, stored: ActionOutcome, altered?: ReportAlteration): AuditEventInput {
  // The tool output stays out of the audit log: it may hold data the log must not keep.
  const auditable = stored.status === 'executed' ? { ...withoutOutput(stored), ...(altered ? { resultAltered: altered } : {}) } : stored;
  return { eventKey: `${actionId}:completed`, actionId, type: 'action.completed', actor: 'system:workflow', payload: auditable };
}
