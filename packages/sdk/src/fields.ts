import { InvalidRequestError } from '@airlock/core/portable';

/**
 * The error for fields the SDK does not know, if any: a typo (`pollWaitMS`, `timeoutMS`) would
 * otherwise vanish, and a JavaScript caller (or `as any`) has no compiler to catch it. Said like
 * the zod checks of requests (`options.timeoutMS: Unrecognized key: "timeoutMS"`).
 */
export function unknownFieldsError(value: object, known: readonly string[], root: string): InvalidRequestError | undefined {
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length === 0) return undefined;
  return new InvalidRequestError(unknown.map((key) => `${root}.${key}: Unrecognized key: "${key}" (known: ${known.join(', ')})`).join('; '));
}

/** Throws `unknownFieldsError`'s error, before anything is sent. */
export function refuseUnknownFields(value: object, known: readonly string[], root: string): void {
  const error = unknownFieldsError(value, known, root);
  if (error) throw error;
}
