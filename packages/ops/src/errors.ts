import { describeZodIssues } from '@airlock/core';
import { AccountError } from '@airlock/db';
import { z } from 'zod';

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

/**
 * Every issue named by its field, with what the field accepts: a value outside a fixed set says
 * the set and, when the parse reported its input (`{ reportInput: true }`), what came instead.
 */
export function fromZodError(error: z.ZodError): OpsError {
  const issues = describeZodIssues(new z.ZodError(error.issues.map((issue) => inPlainWords(withAcceptedValues(issue)))));
  return new OpsError('invalid', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}

/** The database layer's account refusals (no such user, a taken email, an ambiguous one) as ops refusals, unchanged. */
export function rethrowAccountError(error: unknown): never {
  if (error instanceof AccountError) throw new OpsError(error.kind, error.message, error.issues);
  throw error;
}

/** zod's own words for a value outside an enum (`Invalid option: expected one of "day"|"month"`); a schema's own message stands. */
const ZOD_ENUM_MESSAGE = /^Invalid option: expected one of /;
const SHOWN_INPUT_LENGTH = 40;

function withAcceptedValues(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_value' || !ZOD_ENUM_MESSAGE.test(issue.message)) return issue;
  const accepted = issue.values.map(String).join(', ');
  if (issue.input === undefined) return { ...issue, message: `must be one of ${accepted}` };
  const shown = shownInput(issue.input);
  const got = shown.length > SHOWN_INPUT_LENGTH ? `${shown.slice(0, SHOWN_INPUT_LENGTH)}…` : shown;
  return { ...issue, message: `must be one of ${accepted} (got ${got})` };
}

/** A scalar as typed (`"year"`, `7`); anything bigger by its kind, since its text could be anything. */
function shownInput(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input);
  if (typeof input === 'number' || typeof input === 'boolean' || input === null) return String(input);
  if (Array.isArray(input)) return 'a list';
  return typeof input === 'object' ? 'an object' : typeof input;
}

/** zod's own words for a number or size out of bounds (`Too small: expected number to be >=1`); a schema's own message stands. */
const ZOD_OWN_MESSAGE = /^(Invalid input: expected (int|number), received (number|NaN)|Too (small|big): expected )/;

/** A bound or a kind of number as an operator reads it: `must be at least 1`, `must be a whole number`. */
function inPlainWords(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (!ZOD_OWN_MESSAGE.test(issue.message)) return issue;
  const message = plainMessage(issue);
  return message ? { ...issue, message } : issue;
}

function plainMessage(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === 'invalid_type') return issue.expected === 'int' ? 'must be a whole number' : 'must be a number';
  if (issue.code !== 'too_small' && issue.code !== 'too_big') return undefined;
  const small = issue.code === 'too_small';
  const bound = String(small ? issue.minimum : issue.maximum);
  switch (issue.origin) {
    case 'number':
    case 'int':
      return issue.inclusive ? `must be ${small ? 'at least' : 'at most'} ${bound}` : `must be ${small ? 'more' : 'less'} than ${bound}`;
    case 'string':
      return small && bound === '1' ? 'must not be empty' : `must be ${small ? 'at least' : 'at most'} ${bound} characters long`;
    case 'array':
    case 'set':
      return small && bound === '1' ? 'must not be empty' : `must have ${small ? 'at least' : 'at most'} ${bound} items`;
    default:
      return undefined;
  }
}
