import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setStatementMode } from './prepared-statements.js';
import { inlineParams, NulInSqlLiteralError, sqlLiteral } from './sql-literals.js';

describe('sqlLiteral', () => {
  it('quotes every value, doubling quotes; a backslash makes an E string with it doubled', () => {
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral('a\\b')).toBe(" E'a\\\\b'");
    expect(sqlLiteral(42)).toBe("'42'");
    expect(sqlLiteral(true)).toBe("'true'");
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(new Date('2026-12-04T09:00:00.123Z'))).toBe("'2026-12-04T09:00:00.123Z'");
  });

  it("gives pg.escapeLiteral's literal for any text without a NUL (quotes, backslashes, unicode, lone surrogates)", () => {
    const text = fc.string({
      unit: fc.oneof(
        fc.constantFrom("'", '\\', 'E', ' ', '$'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
        fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
      ),
    });
    fc.assert(
      fc.property(
        text.filter((s) => !s.includes('\0')),
        (s) => {
          expect(sqlLiteral(s)).toBe(pg.escapeLiteral(s));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps unicode as it is', () => {
    expect(sqlLiteral('żółw 🐢 ∑')).toBe("'żółw 🐢 ∑'");
  });

  it('refuses a NUL byte, which PostgreSQL text cannot hold', () => {
    expect(() => sqlLiteral('a\0b')).toThrow(NulInSqlLiteralError);
  });

  it('refuses numbers and dates that have no SQL text', () => {
    expect(() => sqlLiteral(Number.NaN)).toThrow(RangeError);
    expect(() => sqlLiteral(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('inlineParams, inline', () => {
  beforeAll(() => setStatementMode('inline'));
  afterAll(() => setStatementMode('session'));

  it('replaces each $n in one pass, so a value holding "$1" is not replaced again', () => {
    expect(inlineParams('SELECT $1, $2, $10', ['$2', 'x', 'ten', 4, 5, 6, 7, 8, 9, 'y'])).toBe("SELECT '$2', 'x', 'y'");
  });

  it('refuses a placeholder without a value', () => {
    expect(() => inlineParams('SELECT $2', ['a'])).toThrow(RangeError);
    expect(() => inlineParams('SELECT $0', ['a'])).toThrow(RangeError);
  });
});

describe('inlineParams, prepared once per session', () => {
  it('EXECUTEs one statement per text, named by its hash, with exactly its parameters as literals', () => {
    const sent = inlineParams('SELECT $1::text, $2::int', ["it's", 4, 'unused']);
    expect(sent).toMatch(/^EXECUTE airlock_[0-9a-f]{16}\('it''s', '4'\)$/);
    expect(inlineParams('SELECT $1::text, $2::int', ['b', 5])).toBe(`${sent.slice(0, sent.indexOf('('))}('b', '5')`);
    expect(inlineParams('SELECT $1::text, $2::bigint', ['b', 5])).not.toContain(sent.slice(0, sent.indexOf('(')));
    expect(inlineParams('SELECT 1 AS constant', [])).toMatch(/^EXECUTE airlock_[0-9a-f]{16}$/);
  });

  it('refuses a placeholder without a value, and inlines (so refuses) a $0, which names no parameter', () => {
    expect(() => inlineParams('SELECT $1::text, $2::text', ['a'])).toThrow(RangeError);
    expect(() => inlineParams('SELECT $0', ['a'])).toThrow(RangeError);
  });

  it('refuses a NUL byte in a value, as inlined', () => {
    expect(() => inlineParams('SELECT $1::text', ['a\0b'])).toThrow(NulInSqlLiteralError);
  });
});
