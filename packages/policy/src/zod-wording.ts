import { z } from 'zod';

// zod's own wording (`Invalid option: expected one of "day"|"month"`, `Too small: expected number
// to be >=1`) reaches operators through policy files and every operator channel: said in plain
// words naming what is accepted. Shared by the policy compiler and @airlock/ops. The words come
// from the issue's structure (its code, values, bounds, input), and a message is zod's own when
// it is what zod's error map says for that issue: a schema's own message always stands, and a zod
// release that rewords its messages changes nothing here.

/** The issue with zod's default message in plain words; any other issue unchanged. */
export function plainZodIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  const message = plainMessage(issue);
  return message !== undefined && isZodOwnMessage(issue) ? { ...issue, message } : issue;
}

/** The plain words for an issue zod words for itself; undefined where zod's are kept. */
function plainMessage(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_value':
      return acceptedValues(issue);
    case 'invalid_type':
      return numberKind(issue);
    case 'too_small':
    case 'too_big':
      return bound(issue);
    default:
      return undefined;
  }
}

const SHOWN_INPUT_LENGTH = 40;

/** `must be one of day, month (got "year")`, `must be "airlock/v1"`: what came is shown only when the parse reported it. */
function acceptedValues(issue: z.core.$ZodIssueInvalidValue): string | undefined {
  if (issue.values.length === 0) return undefined;
  const accepted = issue.values.length === 1 ? shownInput(issue.values[0]) : `one of ${issue.values.map(String).join(', ')}`;
  if (issue.input === undefined) return `must be ${accepted}`;
  const shown = shownInput(issue.input);
  const got = shown.length > SHOWN_INPUT_LENGTH ? `${shown.slice(0, SHOWN_INPUT_LENGTH)}…` : shown;
  return `must be ${accepted} (got ${got})`;
}

/** A scalar as typed (`"year"`, `7`); anything bigger by its kind, since its text could be anything. */
function shownInput(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input);
  if (typeof input === 'number' || typeof input === 'boolean' || input === null) return String(input);
  if (Array.isArray(input)) return 'a list';
  return typeof input === 'object' ? 'an object' : typeof input;
}

/**
 * A number of the wrong kind: a fraction where a whole number goes, NaN (`--step x`, coerced) or an
 * infinity where a number goes. A value that is no number at all keeps zod's `expected number, received string`.
 */
function numberKind(issue: z.core.$ZodIssueInvalidType): string | undefined {
  if (issue.expected === 'int') return 'must be a whole number';
  if (issue.expected !== 'number') return undefined;
  const input = numberInput(issue);
  if (input === undefined || Number.isFinite(input)) return undefined;
  return Number.isNaN(input) ? 'must be a number' : 'must be a finite number';
}

/**
 * The number an invalid_type issue was raised for: its input when the parse reported it, else the
 * `received` zod records for NaN and the infinities; an int check is only ever raised for a fraction.
 */
function numberInput(issue: z.core.$ZodIssueInvalidType): number | undefined {
  if (typeof issue.input === 'number') return issue.input;
  const { received } = issue as { received?: unknown };
  if (typeof received === 'string') return Number(received);
  return issue.expected === 'int' ? 0.5 : undefined;
}

/** A bound as an operator reads it: `must be at least 1`, `must be at most 5 characters long`. */
function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string | undefined {
  const small = issue.code === 'too_small';
  const limit = String(small ? issue.minimum : issue.maximum);
  switch (issue.origin) {
    case 'number':
    case 'int':
      return issue.inclusive ? `must be ${small ? 'at least' : 'at most'} ${limit}` : `must be ${small ? 'more' : 'less'} than ${limit}`;
    case 'string':
      return small && limit === '1' ? 'must not be empty' : `must be ${small ? 'at least' : 'at most'} ${limit} characters long`;
    case 'array':
    case 'set':
      return small && limit === '1' ? 'must not be empty' : `must have ${small ? 'at least' : 'at most'} ${limit} items`;
    default:
      return undefined;
  }
}

/**
 * Whether the message is the one zod's error map (its locale) gives this issue: anything else was
 * the schema's own (`z.enum([...], { error: '...' })`) or the parse's. The issue as raised carries
 * its input; when the parse did not report it, the number it implies stands in (zod names its kind).
 */
function isZodOwnMessage(issue: z.core.$ZodIssue): boolean {
  const raised = { ...issue, input: 'input' in issue ? issue.input : issue.code === 'invalid_type' ? numberInput(issue) : undefined } as z.core.$ZodRawIssue;
  const own = z.config().localeError?.(raised);
  return (typeof own === 'string' ? own : own?.message) === issue.message;
}
