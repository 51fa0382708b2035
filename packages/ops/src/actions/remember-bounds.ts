import { toCents } from '@airlock/core';
import { z } from 'zod';
import { OpsError } from '../errors.js';

/**
 * How far a remembered approval reaches on one argument of the action it was
 * given on: `same` binds to this action's value; `at_most` caps a number or a
 * decimal amount ("125.00") at a value the approver picks. A bound on a number
 * holds only for a JSON number, and `at_most` not below zero (or this action's
 * value, when negative). Arguments without a bound may take any value.
 */
export const RememberBound = z.discriminatedUnion('kind', [
  z.strictObject({ arg: z.string().trim().min(1).max(100), kind: z.literal('same') }),
  z.strictObject({ arg: z.string().trim().min(1).max(100), kind: z.literal('at_most'), value: z.union([z.number().finite(), z.string().trim().min(1).max(40)]) }),
]);
export type RememberBound = z.output<typeof RememberBound>;

const DECIMAL_AMOUNT = /^\d+(\.\d{1,2})?$/;
const REDACTED = '[REDACTED:';

/** The kinds of bound an argument's value allows; the approval card offers exactly these. */
export function boundKindsFor(value: unknown): RememberBound['kind'][] {
  if (typeof value === 'number' && Number.isFinite(value)) return ['same', 'at_most'];
  if (typeof value === 'string' && DECIMAL_AMOUNT.test(value)) return ['same', 'at_most'];
  if (typeof value === 'string' && !value.includes(REDACTED)) return ['same'];
  if (typeof value === 'boolean') return ['same'];
  return [];
}

/** One argument an approval card offers to bound, with this action's value as text (the pre-filled cap or the "same" value). */
export interface RememberableArg {
  arg: string;
  value: string;
  kinds: RememberBound['kind'][];
}

/** The top-level stored arguments a remembered approval can be bounded on, for the approval cards. */
export function rememberableArgs(args: unknown): RememberableArg[] {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return [];
  return Object.entries(args as Record<string, unknown>)
    .map(([arg, value]) => ({ arg, value: String(value), kinds: boundKindsFor(value) }))
    .filter((a) => a.kinds.length > 0);
}

/**
 * The CEL condition a grant stores for these bounds over this action's stored
 * arguments ("true" with none). Refuses, naming `bounds.<i>`, a bound the
 * argument cannot take: unknown, nested, redacted before storage (Airlock does
 * not keep the value to bind to), or a cap that is not a number of the same kind.
 */
export function conditionFromBounds(args: Record<string, unknown>, bounds: readonly RememberBound[]): string {
  const seen = new Set<string>();
  const clauses = bounds.map((bound, index) => {
    const path = `bounds.${index}`;
    const refuse = (message: string) => new OpsError('invalid', `${path}: ${message}`, [{ path, message }]);
    if (seen.has(bound.arg)) throw refuse(`"${bound.arg}" is bound twice`);
    seen.add(bound.arg);
    if (!Object.hasOwn(args, bound.arg)) throw refuse(`the action has no argument "${bound.arg}"`);
    const value = args[bound.arg];
    if (typeof value === 'string' && value.includes(REDACTED)) throw refuse(`"${bound.arg}" was redacted before storage, so there is no value to bind to`);
    if (!boundKindsFor(value).includes(bound.kind)) throw refuse(`"${bound.arg}" cannot take an ${bound.kind} bound`);
    const field = `args[${JSON.stringify(bound.arg)}]`;
    // double() also parses strings ("-5", "-inf"): a number's bound first requires a JSON number (int or double).
    const isNumber = `type(${field}) in [int, double]`;
    if (bound.kind === 'same') {
      return typeof value === 'number' ? `${isNumber} && double(${field}) == ${celDouble(value)}` : `${field} == ${JSON.stringify(value)}`;
    }
    if (typeof value === 'number') {
      const cap = typeof bound.value === 'number' ? bound.value : Number(bound.value);
      if (!Number.isFinite(cap)) throw refuse(`the cap for "${bound.arg}" must be a number`);
      // "At most" means as little as nothing, not any negative (a gate-only tool has no schema to refuse -1e12), as cents() does for amounts.
      const floor = Math.min(0, value);
      return `${isNumber} && double(${field}) >= ${celDouble(floor)} && double(${field}) <= ${celDouble(cap)}`;
    }
    const cap = String(bound.value);
    if (!DECIMAL_AMOUNT.test(cap)) throw refuse(`the cap for "${bound.arg}" must be an amount like "125.00"`);
    return `cents(${field}) <= ${toCents(cap)}`;
  });
  return clauses.length === 0 ? 'true' : clauses.join(' && ');
}

/** A CEL double literal (CEL keeps `1` an int, and int == double is false). */
function celDouble(n: number): string {
  const text = String(n);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}
