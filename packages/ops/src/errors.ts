import { describeZodIssues } from '@airlock/core/errors';
import { plainZodIssue } from '@airlock/policy/zod-wording';
import { z } from 'zod';
import { OpsError } from './ops-error.js';

export { OpsError, invalidField, notFound, rethrowAccountError, type OpsErrorCode, type OpsIssue } from './ops-error.js';

/**
 * Every issue named by its field, with what the field accepts: a value outside a fixed set says
 * the set and, when the parse reported its input (`{ reportInput: true }`), what came instead.
 */
export function fromZodError(error: z.ZodError): OpsError {
  const issues = describeZodIssues(new z.ZodError(error.issues.map(plainZodIssue)));
  return new OpsError('invalid', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}
