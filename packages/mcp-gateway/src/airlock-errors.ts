import { AirlockApiError, IdempotencyConflictError, InvalidRequestError } from '@airlock/sdk';

/**
 * Airlock answered and said no (bad input, a conflict, a key it does not accept): the caller is told
 * why. Not a server error (5xx), no answer (`unreachable`, status 0) or an answer that is not
 * Airlock's (`bad_response`), which are thrown on with the SDK's message naming the URL and call.
 */
export function refusedByAirlock(error: unknown): error is Error {
  if (error instanceof InvalidRequestError || error instanceof IdempotencyConflictError) return true;
  return error instanceof AirlockApiError && error.status > 0 && error.status < 500 && error.code !== 'bad_response';
}

/** The statuses (400, 404) Airlock answers for an action id that is malformed or not the key's agent's. */
export function noSuchAction(error: unknown): boolean {
  return error instanceof InvalidRequestError || (error instanceof AirlockApiError && (error.status === 404 || error.status === 400));
}
