import type { z } from 'zod';

// zod's own wording (`Invalid option: expected one of "day"|"month"`, `Too small: expected number
// to be >=1`) reaches operators through policy files and every operator channel: said in plain
// words naming what is accepted. Shared by the policy compiler and @airlock/ops; a schema's own
// message always stands.

/** The issue with zod's default message in plain words; any other issue unchanged. */
export function plainZodIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  return inPlainWords(withAcceptedValues(issue));
}

/** zod's own words for a value outside an enum (`Invalid option: expected one of "day"|"month"`); a schema's own message stands. */
const ZOD_ENUM_MESSAGE = /^Invalid option: expected one of /;
const SHOWN_INPUT_LENGTH = 40;

/** The same for a literal (`Invalid input: expected "airlock/v1"`). */
const ZOD_LITERAL_MESSAGE = /^Invalid input: expected "/;

function withAcceptedValues(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_value') return issue;
  let accepted: string;
  if (ZOD_ENUM_MESSAGE.test(issue.message)) accepted = `one of ${issue.values.map(String).join(', ')}`;
  else if (ZOD_LITERAL_MESSAGE.test(issue.message) && issue.values.length === 1) accepted = shownInput(issue.values[0]);
  else return issue;
  if (issue.input === undefined) return { ...issue, message: `must be ${accepted}` };
  const shown = shownInput(issue.input);
  const got = shown.length > SHOWN_INPUT_LENGTH ? `${shown.slice(0, SHOWN_INPUT_LENGTH)}…` : shown;
  return { ...issue, message: `must be ${accepted} (got ${got})` };
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
