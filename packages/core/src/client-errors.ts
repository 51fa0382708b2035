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

/** The idempotency key was used before with different arguments or tool. */
export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
}

/** The workflow refused a decision (validator or handler); `reason` is safe to show the person. */
export class DecisionRejectedError extends Error {
  override name = 'DecisionRejectedError';
  constructor(
    message: string,
    /** True when the round takes no more decisions from this person (already decided or closed). */
    readonly closed = false,
  ) {
    super(message);
  }
}
