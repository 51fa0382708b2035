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
