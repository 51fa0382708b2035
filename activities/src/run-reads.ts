import {
  inlineParams,
  readInOneMessage,
  requesterFrom,
  requesterStatement,
  reservationRecheckFrom,
  reservationRecheckStatement,
  type Db,
  type RecheckResult,
  type Requester,
} from '@airlock/db';

/** How an earlier attempt with this run's key got on, if one claimed the run. */
export interface PreviousRun {
  status: string;
  result: unknown;
  error: string | null;
}

/** What a run's re-check reads before it decides: the agent with any switch covering it, and the budgets the action holds money on. */
export interface RecheckReads {
  requester: Requester | null;
  reservation: RecheckResult;
}

export interface RunReads {
  previous: PreviousRun | undefined;
  /** Present when the run re-checks itself (asked for with `recheck`). */
  recheck?: RecheckReads;
}

/**
 * Everything a run reads before its claim, in one round trip: the earlier attempt
 * and, for a run that re-checks itself, the re-check's two reads. They do not
 * depend on each other, so sending them together changes no answer; a retry whose
 * run was claimed before (a `previous` row) does not use the re-check's.
 */
export async function readBeforeRun(db: Db, idempotencyKey: string, recheck?: { agentId: string; budgetHolder: string }): Promise<RunReads> {
  const previousSql = inlineParams('SELECT status, result, error FROM tool_executions WHERE idempotency_key = $1', [idempotencyKey]);
  if (!recheck) {
    const [previous] = await readInOneMessage(db, [previousSql]);
    return { previous: previous!.rows[0] as PreviousRun | undefined };
  }
  const [previous, requester, reservation] = await readInOneMessage(db, [
    previousSql,
    requesterStatement(recheck.agentId),
    reservationRecheckStatement({ actionId: recheck.budgetHolder }),
  ]);
  return {
    previous: previous!.rows[0] as PreviousRun | undefined,
    recheck: { requester: requesterFrom(requester!.rows), reservation: reservationRecheckFrom(recheck.budgetHolder, reservation!.rows) },
  };
}
