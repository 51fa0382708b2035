import { describe, expect, it } from 'vitest';
import { checkJsonLimits, findUnstorableJsonText, LONE_SURROGATE_REFUSED, NON_FINITE_REFUSED, NUL_REFUSED } from '@airlock/core/json-limits';

// One walk, two rule sets: checkJsonLimits (every limit, a member name's problem at its object) and
// findUnstorableJsonText (only the stored-text rule, a member name's problem at the member itself).

describe('findUnstorableJsonText: the stored-text rule alone', () => {
  it('finds the first NUL or lone surrogate in document order, in strings and member names', () => {
    expect(findUnstorableJsonText({ a: [{ b: 'ok' }, { c: 'x\u0000' }], d: '\ud800' })).toEqual({ path: ['a', 1, 'c'], message: NUL_REFUSED });
    expect(findUnstorableJsonText({ a: { ['k\udc00']: 1 } })).toEqual({ path: ['a', 'k\udc00'], message: `the member name ${LONE_SURROGATE_REFUSED}` });
    expect(findUnstorableJsonText('\u0000')).toEqual({ path: [], message: NUL_REFUSED });
  });

  it('passes what checkJsonLimits refuses but text is not: numbers, functions, reserved or long keys, depth', () => {
    const deep = Array.from({ length: 40 }).reduce<unknown>((inner) => [inner], 'fine');
    const value = { n: Infinity, f: () => 1, constructor: 1, ['k'.repeat(2_000)]: deep };
    expect(findUnstorableJsonText(value)).toBeUndefined();
    expect(checkJsonLimits({ n: Infinity })).toEqual({ path: ['n'], message: NON_FINITE_REFUSED });
  });

  it('walks plain objects and arrays only, each once: a Date or class instance is passed, a cycle ends', () => {
    class Box {
      text = 'x\u0000';
    }
    const cycle: Record<string, unknown> = { ok: 'fine' };
    cycle.self = cycle;
    expect(findUnstorableJsonText({ when: new Date(), box: new Box(), cycle, none: null })).toBeUndefined();
    expect(checkJsonLimits({ box: new Box() })).toEqual({ path: ['box', 'text'], message: NUL_REFUSED });
  });
});

describe('checkJsonLimits: a member name’s text problem names its object', () => {
  it('as `a key …` at the object’s path', () => {
    expect(checkJsonLimits({ a: { ['k\u0000']: 1 } })).toEqual({ path: ['a'], message: `a key ${NUL_REFUSED}` });
  });
});
