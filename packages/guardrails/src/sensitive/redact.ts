import { findSensitiveText } from './find.js';
import { applyRedactions, traverse } from './traverse.js';
import type { SensitiveFinding, SensitiveSpan } from './types.js';

/**
 * Sensitive values anywhere in `value` (strings inside objects and arrays, any depth),
 * by path and offsets, never the values themselves. `root` names the value in paths,
 * e.g. `findSensitive(request.args, { root: 'args' })` gives `args.customer.email`.
 */
export function findSensitive(value: unknown, options: { root?: string } = {}): SensitiveFinding[] {
  return traverse(value, options.root ?? '$').findings;
}

/**
 * A deep copy of `value` with every sensitive span replaced by `[REDACTED:<kind>]`,
 * in object keys too (a key that redacts like another gets ` #2`, ` #3`: traverse.ts).
 * Array lengths, key counts and order, and non-string values keep their shape, except
 * that numbers under credential-named keys (`pin`, `password`), integers whose digits are a
 * card number (`{"card": 4111111111111111}`), and bare digits under phone-named keys
 * (`{"phone": 14155550100}`, as a number or a string) become the marker string too.
 * Idempotent: redacting a redacted value changes nothing and finds nothing.
 */
export function redact<T>(value: T, options: { root?: string } = {}): { value: T; findings: SensitiveFinding[] } {
  const { value: redacted, findings } = traverse(value, options.root ?? '$');
  return { value: redacted as T, findings };
}

export function redactText(text: string): { text: string; findings: SensitiveSpan[] } {
  const findings = findSensitiveText(text);
  return { text: applyRedactions(text, findings), findings };
}
