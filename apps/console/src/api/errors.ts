import { DecisionRejectedError, IdempotencyConflictError, InvalidRequestError } from '@airlock/core/gateway';
import { OpsError } from '@airlock/ops';
import { ServiceError, WorkflowNotFoundError } from '@temporalio/client';
import type { ErrorBody, Issue } from './schemas.js';
import { jsonResponse } from './http.js';
import { consoleLogger } from './telemetry.js';

export type ErrorCode = ErrorBody['error']['code'];

/** An error meant for the caller: its status, code and message are safe to send as they are. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly issues?: Issue[],
  ) {
    super(message);
  }
}

export const unauthenticated = (message: string) => new ApiError(401, 'unauthenticated', message);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const notFound = (message = 'no action with this id') => new ApiError(404, 'not_found', message);

/** Every failure becomes `{ error: { code, message, issues? } }`; unexpected ones are logged here and never shown. */
export function errorResponse(error: unknown): Response {
  const known = toApiError(error);
  if (known) {
    const body: ErrorBody = { error: { code: known.code, message: known.message, ...(known.issues ? { issues: known.issues } : {}) } };
    return jsonResponse(body, known.status);
  }
  consoleLogger().error({ err: error }, 'unhandled error in API handler');
  return jsonResponse({ error: { code: 'internal', message: 'internal error; the details are in the server log' } } satisfies ErrorBody, 500);
}

function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof OpsError) return fromOpsError(error);
  if (error instanceof InvalidRequestError) return new ApiError(400, 'invalid_request', error.message);
  if (error instanceof IdempotencyConflictError) return new ApiError(409, 'idempotency_conflict', error.message);
  if (error instanceof DecisionRejectedError) return new ApiError(409, 'decision_rejected', error.message);
  if (error instanceof WorkflowNotFoundError) return notFound();
  if (error instanceof ServiceError) {
    consoleLogger().error({ err: error }, 'Temporal call failed');
    return new ApiError(503, 'unavailable', 'the workflow service did not answer; try again');
  }
  return undefined;
}

/** Wraps a handler so that whatever it throws becomes a JSON error response. */
export function withErrors<A extends unknown[]>(handler: (...args: A) => Promise<Response>): (...args: A) => Promise<Response> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

const OPS_STATUS = { invalid: 400, forbidden: 403, not_found: 404, conflict: 409, unavailable: 503 } as const;

/** A use case's refusal in the API's shape: the status its code stands for, the fields it names. */
function fromOpsError(error: OpsError): ApiError {
  const status = OPS_STATUS[error.code];
  const code: ErrorCode =
    error.code === 'invalid' ? 'invalid_request' : error.code === 'conflict' ? (error.reason === 'already_exists' ? 'already_exists' : 'conflict') : error.code;
  const message = error.code === 'invalid' ? `invalid request: ${error.message}` : error.message;
  return new ApiError(status, code, message, error.issues.length > 0 ? error.issues : undefined);
}
