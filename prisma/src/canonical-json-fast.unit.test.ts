import { canonicalJson, canonicalJsonOfParsed } from '@airlock/core';
import { sha256Hex } from '@airlock/core/hashing';
import { auditRowHash, GENESIS_HASH } from '@airlock/db';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Strings that stress the escaping and the key order: quotes, backslashes, every
// control character JCS escapes, DEL and U+2028 (which it does not), surrogate
// pairs and lone halves, and keys that sort differently by code point than by
// UTF-16 code unit (U+FB33 vs U+1F600).
const tricky = fc.constantFrom(
  '"',
  '\\',
  '\u0000',
  '\b',
  '\t',
  '\n',
  '\f',
  '\r',
  '\u001f',
  '\u007f',
  '\u2028',
  '\ud83d\ude00',
  '\ud83d',
  '\ude00',
  'é',
  '€',
  '\ufb33',
  'a',
  '1',
  '__proto__',
  'toJSON',
);
const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: tricky, maxLength: 6 }), tricky);
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(-0, 0, 1e21, 1e-7, 1e-6, 5e-324, Number.MAX_VALUE, Number.MIN_SAFE_INTEGER, 2 ** 53, Number('333333333.33333329'), 0.1, 4.5),
);
const { json } = fc.letrec((tie) => ({
  json: fc.oneof({ depthSize: 'small' }, text, number, fc.boolean(), fc.constant(null), fc.array(tie('json'), { maxLength: 5 }), fc.dictionary(text, tie('json'), { maxKeys: 6 })),
}));
/** What the verifier sees: a value as JSON.parse returns it (`__proto__` an own key, lone surrogates restored). */
const parsed = json.map((v) => JSON.parse(JSON.stringify(v)) as unknown);

function outcome(serialise: (v: unknown) => string, value: unknown): string {
  try {
    return `ok ${serialise(value)}`;
  } catch (error) {
    return `throws ${(error as Error).message}`;
  }
}

describe('canonicalJsonOfParsed: the verifier’s fast RFC 8785 serialiser', () => {
  it('gives the reference library’s bytes (or its error) for any value JSON.parse returns', () => {
    fc.assert(
      fc.property(parsed, (value) => {
        expect(outcome(canonicalJsonOfParsed, value)).toBe(outcome(canonicalJson, value));
      }),
      { numRuns: 5_000 },
    );
  });

  it('writes the edge cases of RFC 8785 as the library does', () => {
    const cases: unknown[] = [
      -0,
      1e21,
      1e-7,
      5e-324,
      [1e21, -0, 5e-324, 0.000001, 123456789012345680000],
      JSON.parse('{"\\ufb33":1,"\\ud83d\\ude00":2,"\\u0080":3,"\\r":4,"1":5,"10":6,"2":7,"a":{"b":[{"d":1,"c":2}]}}'),
      JSON.parse('{"__proto__":{"x":1},"s":"\\u0000\\u001f\\u007f\\u2028\\"\\\\/"}'),
      'plain',
      [],
      {},
    ];
    for (const value of cases) expect(canonicalJsonOfParsed(value)).toBe(canonicalJson(value));
    expect(canonicalJsonOfParsed(JSON.parse('{"b":1,"a":[-0,1e21]}'))).toBe('{"a":[0,1e+21],"b":1}');
  });

  it('hands anything that did not come from JSON.parse to the library (Dates, undefined, NaN, lone surrogates)', () => {
    const cases: unknown[] = [{ at: new Date(0) }, [undefined, 1], { a: undefined, b: 2 }];
    for (const value of cases) expect(canonicalJsonOfParsed(value)).toBe(canonicalJson(value));
    expect(() => canonicalJsonOfParsed({ n: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJsonOfParsed(JSON.parse('["\\ud800"]'))).toThrow(/surrogate/i);
  });

  it('keeps every row hash byte-identical to SHA-256 of the library’s JCS of the whole member object', () => {
    fc.assert(
      fc.property(parsed, text, fc.option(text, { nil: null }), (payload, actor, actionId) => {
        const row = { prevHash: GENESIS_HASH, eventKey: `k:${actor}`, actionId, type: 'test.event', actor, payload, createdAt: '2026-12-03T00:00:00.000Z' };
        expect(outcome(() => auditRowHash(row), null)).toBe(outcome(() => sha256Hex(canonicalJson({ ...row, v: 2 })), null));
      }),
      { numRuns: 2_000 },
    );
  });
});
