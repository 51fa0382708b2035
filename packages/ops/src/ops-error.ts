import { AccountError } from '@airlock/db/users';

// OpsError without fromZodError (errors.ts) and what it words zod issues with: reads and the
// operator lookup need only the class.

/** `unavailable`: Temporal or a worker did not answer in time; the action may still happen. */
export type OpsErrorCode = 'invalid' | 'not_found' | 'conflict' | 'forbidden' | 'unavailable';

export interface OpsIssue {
  /** The field, as the caller named it (`allowedTools.1`, `limit`); `(root)` for the whole input. */
  path: string;
  message: string;
}

/**
 * A refusal whose message is safe to show as it is. Channels translate the code
 * (REST: 400/404/409/403; CLI: exit 1 naming the option; console: a notice).
 * `reason` refines a code where a channel keeps a more specific name (`already_exists`).
 */
export class OpsError extends Error {
  override name = 'OpsError';
  constructor(
    readonly code: OpsErrorCode,
    message: string,
    readonly issues: OpsIssue[] = [],
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** A bad value in one named field. */
export function invalidField(path: string, message: string): OpsError {
  return new OpsError('invalid', `${path}: ${message}`, [{ path, message }]);
}

export function notFound(message: string, path?: string): OpsError {
  return new OpsError('not_found', message, path ? [{ path, message }] : []);
}

/** The database layer's account refusals (no such user, a taken email, an ambiguous one) as ops refusals, unchanged. */
export function rethrowAccountError(error: unknown): never {
  if (error instanceof AccountError) throw new OpsError(error.kind, error.message, error.issues);
  throw error;
}
