/**
 * Bounds on the shape of agent-supplied JSON (tool arguments, an approver's
 * edited arguments), checked at the edge before anything recursive touches the
 * value: serialisers, hashes, guardrail scans and PostgreSQL all stay within
 * these, so a hostile body is a 400 naming the limit and the field, never a
 * stack overflow in the worker. No string or key may hold a NUL character,
 * which PostgreSQL cannot store, or a lone surrogate, which cannot be hashed;
 * no number may be non-finite (JSON has none); a new request's numbers may not
 * be integers beyond 2^53 - 1 either (JsonLimitOptions.exactIntegers).
 */
export const ARGS_LIMITS = {
  /** Nesting of objects and arrays (`{}` at the top is depth 1). */
  maxDepth: 32,
  /** Object keys plus array elements, counted over the whole value. */
  maxEntries: 10_000,
  /** Characters in one string value. */
  maxStringLength: 128 * 1024,
  /** Characters in one object key. */
  maxKeyLength: 1_024,
} as const;

/** Bounds of the same kinds as ARGS_LIMITS, other values (a worker run's output: report-storage's RUN_OUTPUT_LIMITS). */
export type JsonLimits = { readonly [K in keyof typeof ARGS_LIMITS]: number };

/**
 * Keys that change object prototypes in consumers (`obj[key] = …` on a plain
 * object), and that zod and many JSON tools drop or treat specially: refused
 * outright, so what is hashed, approved and run is what was sent.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** PostgreSQL's text and jsonb cannot hold U+0000: a value with one could never be stored, so its write would fail on every retry. */
export const NUL_REFUSED = 'must not contain NUL characters (PostgreSQL cannot store them)';

// A UTF-16 surrogate without its other half: not Unicode text, so canonical JSON (every hash) refuses it
// and UTF-8 cannot carry it (PostgreSQL would store a replacement character instead).
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const LONE_SURROGATE_REFUSED = 'must be Unicode text: it holds a lone surrogate (half of a UTF-16 pair), which can be neither hashed nor stored';

/** Whether `text` is Unicode text: no lone surrogate (String.prototype.isWellFormed, which ES2023 lacks). */
export const isWellFormedText = (text: string): boolean => !LONE_SURROGATE.test(text);

/** Why `text` could never be stored or hashed (a NUL, a lone surrogate), or undefined: for free text outside a `storedText` schema. */
export function storedTextProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return NUL_REFUSED;
  if (!isWellFormedText(text)) return LONE_SURROGATE_REFUSED;
  return undefined;
}

/** JSON has no Infinity or NaN (`1e999` parses to Infinity): canonical JSON refuses them and `JSON.stringify` writes `null`. */
export const NON_FINITE_REFUSED = 'must be a finite number';

/** A JSON number is a double: an integer beyond 2^53 - 1 was probably rounded when parsed (`9007199254740993` reads as …992). */
export const UNSAFE_INTEGER_REFUSED = 'integers beyond 2^53 lose precision; send it as a string';

export interface JsonLimitProblem {
  /** Path from the checked value's root, e.g. `['items', 3, 'name']`. */
  path: (string | number)[];
  message: string;
}

export interface JsonLimitOptions {
  /**
   * Also refuse integers beyond 2^53 - 1 (UNSAFE_INTEGER_REFUSED): only for what a new request sends
   * (submitAction: its arguments and signals), where two texts rounded to one value would be one action.
   * Not for what is only stored (a tool's output: an API's 64-bit ids) nor for values admitted before the
   * rule (an action's re-check, its reveal, its report's arguments), which would then fail after the fact.
   */
  exactIntegers?: boolean;
}

/**
 * The first way `value` breaks the limits, or undefined. Iterative (an explicit
 * stack), so any nesting, or a cycle, is reported instead of overflowing.
 */
export function checkJsonLimits(value: unknown, limits: JsonLimits = ARGS_LIMITS, options: JsonLimitOptions = {}): JsonLimitProblem | undefined {
  return walkJson(value, { limits, exactIntegers: options.exactIntegers ?? false });
}

/**
 * The first string or member name in `value` that could never be stored (storedTextProblem), or
 * undefined: the text rule of checkJsonLimits alone, for input whose other limits a schema keeps
 * (an operator's use case). Walks plain objects and arrays only, each once (a Date from an in-process
 * caller is no text, and a cycle ends); passes every other value. A member name's problem stands at
 * the member's own path, as `the member name …`.
 */
export function findUnstorableJsonText(value: unknown): JsonLimitProblem | undefined {
  return walkJson(value, 'stored-text');
}

/** What one walk checks: every limit (checkJsonLimits), or only the stored-text rule on strings and member names. */
type WalkRules = { limits: JsonLimits; exactIntegers: boolean } | 'stored-text';

interface Pending {
  value: unknown;
  path: (string | number)[];
}

/** One walk for both: depth-first in document order, so the first problem found is the first in the value. */
function walkJson(value: unknown, rules: WalkRules): JsonLimitProblem | undefined {
  const limits = rules === 'stored-text' ? undefined : rules.limits;
  const stack: Pending[] = [{ value, path: [] }];
  const seen = new Set<object>();
  let entries = 0;
  while (stack.length > 0) {
    const { value: current, path } = stack.pop() as Pending;
    if (typeof current === 'string') {
      if (limits && current.length > limits.maxStringLength) return { path, message: `string of ${current.length} characters; at most ${limits.maxStringLength} allowed` };
      const problem = storedTextProblem(current);
      if (problem) return { path, message: problem };
      continue;
    }
    if (typeof current !== 'object' || current === null) {
      const problem = rules === 'stored-text' ? undefined : leafProblem(current, rules.exactIntegers);
      if (problem) return { path, message: problem };
      continue;
    }
    if (!limits) {
      if (seen.has(current) || !(Array.isArray(current) || isPlainObject(current))) continue;
      seen.add(current);
    } else {
      const depth = path.length + 1;
      if (depth > limits.maxDepth) return { path, message: `nested ${depth} levels deep; at most ${limits.maxDepth} levels allowed` };
    }
    if (Array.isArray(current)) {
      entries += current.length;
      if (limits && entries > limits.maxEntries) return { path, message: `more than ${limits.maxEntries} keys and array elements in all; too many` };
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i] as unknown, path: [...path, i] });
      continue;
    }
    const keys = Object.keys(current);
    entries += keys.length;
    if (limits && entries > limits.maxEntries) return { path, message: `more than ${limits.maxEntries} keys and array elements in all; too many` };
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      if (limits) {
        if (FORBIDDEN_KEYS.has(key)) return { path: [...path, key], message: `the key "${key}" is not accepted (reserved: __proto__, constructor, prototype)` };
        if (key.length > limits.maxKeyLength) return { path, message: `a key of ${key.length} characters; at most ${limits.maxKeyLength} allowed` };
      }
      const problem = storedTextProblem(key);
      if (problem) return limits ? { path, message: `a key ${problem}` } : { path: [...path, key], message: `the member name ${problem}` };
      stack.push({ value: (current as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return undefined;
}

/** checkJsonLimits' rule for a value that is neither text, an array nor an object. */
function leafProblem(value: unknown, exactIntegers: boolean): string | undefined {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) return NON_FINITE_REFUSED;
      // Every double of magnitude 2^53 or more is an integer, so this refuses them all: the sound rule, since
      // the text's digits are gone once parsed (1e300 too: whoever needs such a value sends it as a string).
      if (exactIntegers && Number.isInteger(value) && !Number.isSafeInteger(value)) return UNSAFE_INTEGER_REFUSED;
      return undefined;
    case 'bigint':
    case 'function':
    case 'symbol':
      return `a ${typeof value} is not a JSON value`;
    default:
      return undefined;
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
