/**
 * Errors every client path throws alike (Temporal gateway, REST SDK), so an agent's
 * `instanceof` checks hold whichever way it connects. No imports: portable.
 */

export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError';
  constructor(public readonly issues: string) {
    super(`invalid request: ${issues}`);
  }
}

/** The idempotency key was used before with different arguments, another tool or another requestedBy. */
export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
}

/**
 * How the decisions the workflow took settled a round, and whose they were (Airlock user
 * ids, in the order they decided): known to the workflow before any database write of it.
 */
export interface RoundSettlement {
  closure: 'approved' | 'denied';
  by: string[];
}

/** The workflow refused a decision (validator or handler); `reason` is safe to show the person. */
export class DecisionRejectedError extends Error {
  override name = 'DecisionRejectedError';
  constructor(
    message: string,
    /** True when the round takes no more decisions from this person (already decided or closed). */
    readonly closed = false,
    /** Set when the workflow's decisions had settled the round: who settled it and how. */
    readonly settled?: RoundSettlement,
  ) {
    super(message);
  }
}
