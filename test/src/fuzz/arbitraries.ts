import { createHash } from 'node:crypto';
import fc from 'fast-check';

/**
 * Cases per property. `npm test` runs 1,000, which passes on a slow, busy 2-core
 * machine; `npm run fuzz` sets AIRLOCK_FUZZ_RUNS=10000 for the full hunt (any count can be given).
 */
export const FUZZ_RUNS = Number(process.env.AIRLOCK_FUZZ_RUNS ?? 0) || 1_000;

/**
 * A fixed seed per property, so every run checks the same cases and a failure
 * reproduces; AIRLOCK_FUZZ_SEED shifts all of them to explore new ground.
 */
export function fuzzSeed(property: string): number {
  const base = Number(process.env.AIRLOCK_FUZZ_SEED ?? 0) || 0;
  return (createHash('sha256').update(property).digest().readInt32BE(0) + base) | 0;
}

export const trickyStrings: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40, unit: 'grapheme' }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '\ud800',
      '\u202e',
      '🤖💸',
      "'; DROP TABLE actions; --",
      '../../etc/passwd',
      '%00',
      '%',
      '%zz',
      'null',
      'undefined',
      'NaN',
      '-1',
      '1e309',
      '__proto__',
      'constructor',
      '{"tool":',
      '<script>',
      '\r\n',
      'é'.normalize('NFD'),
      'ＡＢＣ',
    ),
  },
);

/** A string far past any field's limit (up to 100 kB). */
export const hugeString: fc.Arbitrary<string> = fc.tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('x', 'é', '🤖', '\u0000')).map(([n, c]) => c.repeat(n));

/** Strings a parser should refuse politely: empty, huge, control characters, lone surrogates, RTL, emoji, SQL and path tricks. */
export const junkString: fc.Arbitrary<string> = fc.oneof({ weight: 12, arbitrary: trickyStrings }, { weight: 1, arbitrary: hugeString });

/** Any JSON-ish junk, nested: wrong types in every position. */
export const nestedJunk: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    trickyStrings,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(junkString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Replaces lone surrogates, which no URL can carry, so a path can be built from any string. */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** A property's time limit: a hang still fails, but a busy machine running the full count does not (10 minutes). */
export const FUZZ_TIMEOUT_MS = 600_000;
