import { redact, redactText } from '@airlock/guardrails';
import pino from 'pino';

// Two layers, because a log line can leak in two ways. Whole fields that may hold
// anything an agent or a tool produced are censored by name, wherever they sit in
// the first levels of the object; everything else is scanned the way the audit log
// is (guardrails): credential-named keys, and PII or secrets inside free text.

/** Fields whose whole value never reaches a log line. */
const CENSORED_FIELDS = ['args', 'editedArgs', 'payload', 'output', 'stdin', 'stdout', 'stderr', 'body'];

export const CENSORED = '[redacted]';

export const censoredPaths = CENSORED_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);

/** The merging object and every message argument, scanned before pino serialises them. */
export function redactLogArguments(args: unknown[]): unknown[] {
  return args.map((arg) => {
    if (typeof arg === 'string') return redactText(arg).text;
    if (arg instanceof Error || typeof arg !== 'object' || arg === null) return arg;
    // Plain objects: credential-named keys and sensitive text at any depth; Error values are kept for the serializer.
    return redact(arg).value;
  });
}

/** pino's error serializer, with the message and stack scanned: error messages quote their input more often than not. */
export function redactedError(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const { message, stack, ...rest } = pino.stdSerializers.err(value);
  return { ...redact({ ...rest }).value, message: redactText(message).text, stack: redactText(stack).text };
}
