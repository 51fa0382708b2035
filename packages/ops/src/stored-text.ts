import { findUnstorableJsonText, LONE_SURROGATE, storedTextProblem } from '@airlock/core/json-limits';
import { z } from 'zod';
import { OpsError } from './ops-error.js';

// Text an operator hands over is stored (a row, an audit payload): PostgreSQL text cannot hold NUL,
// and a lone surrogate is no Unicode text (UTF-8 cannot carry it: PostgreSQL would store U+FFFD, and
// canonical JSON cannot hash it). Either is refused naming the field, never a 500 nor a silent change.
// The rule is @airlock/core's json-limits (its own entry: core's index loads Temporal's workflow package,
// which the CLI's plain database commands, such as `keys list`, must not).

const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** Why `text` cannot be stored as it is, or undefined. */
export const unstorableReason = storedTextProblem;

/**
 * A string field that is stored: trimmed, at most `max` characters, no NUL, no lone surrogate; not
 * empty (refused with `empty`) unless `allowEmpty`.
 */
export const storedText = (max: number, empty: string | { allowEmpty: true } = 'must not be empty') =>
  z
    .string()
    .trim()
    .min(typeof empty === 'string' ? 1 : 0, typeof empty === 'string' ? empty : undefined)
    .max(max)
    .superRefine((text, ctx) => {
      const reason = unstorableReason(text);
      if (reason) ctx.addIssue({ code: 'custom', message: reason });
    });

/**
 * The first string or object key in `value` that cannot be stored, with its path; undefined when
 * there is none. Walks plain objects and arrays only (a Date from an in-process caller is no text),
 * iteratively, so no input's nesting can overflow the stack: core's findUnstorableJsonText.
 */
export function findUnstorableText(value: unknown): { path: string; message: string } | undefined {
  const problem = findUnstorableJsonText(value);
  return problem && { path: pathText(problem.path), message: problem.message };
}

/** Refuses input holding text that cannot be stored, as an `invalid` OpsError naming the field. */
export function refuseUnstorableText(value: unknown): void {
  const problem = findUnstorableText(value);
  if (problem) throw new OpsError('invalid', `${problem.path}: ${problem.message}`, [problem]);
}

/** As the issues of a zod error name fields: `bounds.0.arg`, `(root)` for the whole input. */
function pathText(path: (string | number)[]): string {
  return path.length === 0 ? '(root)' : path.map((part) => (typeof part === 'string' ? safeForMessage(part) : String(part))).join('.');
}

/** A member name in a message: its NUL and lone surrogates shown escaped, so the message itself is storable and readable. */
function safeForMessage(name: string): string {
  return name.replaceAll('\u0000', '\\u0000').replace(LONE_SURROGATES, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}
