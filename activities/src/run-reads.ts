import {
  budgetCurrenciesFrom,
  holdsReservation,
  inlineParams,
  requesterFrom,
  requesterStatement,
  reservationRecheckFrom,
  reservationRecheckStatement,
  unreservedBudgetsStatement,
  type Db,
  type RecheckResult,
  type Requester,
  type ReservationRecheckRow,
} from '@airlock/db';
import type pg from 'pg';

// What a run reads before its claim, as statements to send in one message with others.

/** How an earlier attempt with this run's key got on, if one claimed the run. */
export interface PreviousRun {
  status: string;
  result: unknown;
  error: string | null;
}

const PREVIOUS_RUN_SQL = 'SELECT status, result, error FROM tool_executions WHERE idempotency_key = $1';

export function previousRunStatement(idempotencyKey: string): string {
  return inlineParams(PREVIOUS_RUN_SQL, [idempotencyKey]);
}

export function previousRunFrom(result: pg.QueryResult): PreviousRun | undefined {
  return result.rows[0] as PreviousRun | undefined;
}

/** The earlier attempt alone (a run that does not re-check itself). */
export async function readPreviousRun(db: Db, idempotencyKey: string): Promise<PreviousRun | undefined> {
  return previousRunFrom(await db.pool.query(PREVIOUS_RUN_SQL, [idempotencyKey]));
}

/** The audit row of an action's re-check (`action.rechecked`, or `action.recheck_failed` when it refused). */
export const recheckEventKey = (actionId: string): string => `${actionId}:rechecked`;

/** The audit row of an action's start refused by the kill switch at the start gate (`action.recheck_failed`). */
export const startRefusedEventKey = (actionId: string): string => `${actionId}:start-refused`;

/**
 * A refusal of this action's start that an earlier attempt committed: its worker died (or its workflow task was
 * retried) before Temporal heard of it. The log already says refused, so the retry answers with it, never re-checks.
 */
export interface StoredRefusal {
  /** `recheck`: the re-check refused (recheckEventKey); `kill_switch`: the start gate found a switch (startRefusedEventKey). */
  by: 'recheck' | 'kill_switch';
  /** As the log holds it (redacted like every payload). */
  reason: string;
}

const STORED_REFUSAL_SQL = `SELECT event_key = $1 AS by_recheck, payload->>'reason' AS reason FROM audit_events
  WHERE event_key IN ($1, $2) AND type = 'action.recheck_failed' ORDER BY seq LIMIT 1`;

export function storedRefusalStatement(actionId: string): string {
  return inlineParams(STORED_REFUSAL_SQL, [recheckEventKey(actionId), startRefusedEventKey(actionId)]);
}

export function storedRefusalFrom(result: pg.QueryResult): StoredRefusal | undefined {
  const row = result.rows[0] as { by_recheck: boolean; reason: string | null } | undefined;
  return row ? { by: row.by_recheck ? 'recheck' : 'kill_switch', reason: row.reason ?? '' } : undefined;
}

/** The stored refusal alone (a re-check that runs as a step of its own). */
export async function readStoredRefusal(db: Db, actionId: string): Promise<StoredRefusal | undefined> {
  return storedRefusalFrom(await db.pool.query(STORED_REFUSAL_SQL, [recheckEventKey(actionId), startRefusedEventKey(actionId)]));
}

/** What a run's re-check reads: the agent with any switch covering it, and the budgets the action holds money on or could. */
export interface RecheckReads {
  requester: Requester | null;
  reservation: RecheckResult;
  /** The action holds money on a budget now (its completion settles it). */
  holdsReservation: boolean;
  /** Currencies of budgets added while the action waited (covering the agent, holding nothing of it): a top-up is due in these only. */
  unreservedCurrencies: ReadonlySet<string>;
}

/** The re-check's three reads (recheckReadsFrom reads their results, in this order). */
export function recheckReadStatements(agentId: string, budgetHolder: string): [string, string, string] {
  return [requesterStatement(agentId), reservationRecheckStatement({ actionId: budgetHolder }), unreservedBudgetsStatement({ actionId: budgetHolder, agentId })];
}

export function recheckReadsFrom([requester, reservation, unreserved]: readonly pg.QueryResult[], budgetHolder: string): RecheckReads {
  const reserved = reservation!.rows as ReservationRecheckRow[];
  return {
    requester: requesterFrom(requester!.rows),
    reservation: reservationRecheckFrom(budgetHolder, reserved),
    holdsReservation: holdsReservation(reserved),
    unreservedCurrencies: budgetCurrenciesFrom(unreserved!.rows as { currency: string }[]),
  };
}
