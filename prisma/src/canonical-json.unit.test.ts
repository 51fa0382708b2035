import { canonicalJson, legacyCanonicalJson } from '@airlock/core';
import { argsHash } from '@airlock/core/hashing';
import { auditHashInputV2 } from '@airlock/db';
import { describe, expect, it } from 'vitest';

describe('canonical JSON (RFC 8785)', () => {
  it('matches the RFC 8785 examples: key order by UTF-16 code units, ECMAScript numbers, minimal escapes', () => {
    // RFC 8785 §3.2.2 (values) and §3.2.3 (sorting) examples.
    const values = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    ) as unknown;
    expect(canonicalJson(values)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
    const sorting = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    ) as Record<string, string>;
    expect(Object.values(JSON.parse(canonicalJson(sorting)) as Record<string, string>)).toEqual([
      'One',
      'Carriage Return',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
    expect(canonicalJson(sorting).indexOf('😀')).toBeLessThan(canonicalJson(sorting).indexOf('\ufb33'));
  });

  it('keeps __proto__, constructor and prototype keys, so argument hashes tell them apart', () => {
    const withProto = JSON.parse('{"amount":"1.00","__proto__":{"amount":"9999"}}') as unknown;
    expect(canonicalJson(withProto)).toBe('{"__proto__":{"amount":"9999"},"amount":"1.00"}');
    expect(argsHash(withProto)).not.toBe(argsHash({ amount: '1.00' }));
    expect(canonicalJson(JSON.parse('{"constructor":{"prototype":1}}'))).toBe('{"constructor":{"prototype":1}}');
    // The legacy form lost it: why audit rows carry a hash version.
    expect(legacyCanonicalJson(withProto)).toBe('{"amount":"1.00"}');
  });

  it('gives the legacy bytes for every value without such keys: argument hashes of old actions still match', () => {
    const samples: unknown[] = [
      { b: 1, a: [1, 2.5, -0, 1e21, 1e-7, 'x'], c: { z: null, y: true, é: 'ü', '\u2028': '\u0007' } },
      [{ amount: '65.00', currency: 'USD' }, [], {}],
      { nested: { deep: { deeper: ['a', { k: 'v' }] } }, emoji: '😀', quote: '"\\' },
      'plain',
      42,
    ];
    for (const value of samples) expect(canonicalJson(value)).toBe(legacyCanonicalJson(value));
  });

  it('refuses what JSON cannot carry faithfully (lone surrogates, NaN)', () => {
    expect(() => canonicalJson({ s: '\ud800' })).toThrow(/surrogate/i);
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/NaN/);
  });

  it('writes the audit hash input member by member exactly as canonicalJson would', () => {
    const row = { prevHash: 'ab'.repeat(32), eventKey: 'k:1', actionId: null, type: 'action.requested', actor: 'agent:bot "1"', payload: { z: [1, { b: 2, a: 1 }], a: 'é\n' } };
    const createdAt = '2026-12-03T00:00:00.000Z';
    expect(auditHashInputV2(row, createdAt)).toBe(canonicalJson({ ...row, createdAt, v: 2 }));
    expect(auditHashInputV2({ ...row, actionId: 'a-1' }, createdAt)).toBe(canonicalJson({ ...row, actionId: 'a-1', createdAt, v: 2 }));
  });
});
