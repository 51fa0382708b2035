import { describe, expect, it } from 'vitest';
import { jsonPrefixCopy, jsonText } from './json-text.js';

describe('jsonPrefixCopy', () => {
  it('copies a value that fits whole, written as jsonText writes the value', () => {
    const cyclic: Record<string, unknown> = { id: 1n, when: undefined, list: [1, Infinity, 'a'] };
    cyclic.self = cyclic;
    const { copy, cut } = jsonPrefixCopy(cyclic, 1_000);
    expect(cut).toBe(false);
    expect(jsonText(copy)).toBe(jsonText(cyclic));
    expect(copy).toEqual({ id: '1', list: [1, null, 'a'], self: '[cycle]' });
  });

  it('stops at the budget: the text up to the cut is the whole text, and it says how many brackets close it', () => {
    const value = { rows: Array.from({ length: 1_000 }, (_, i) => ({ i, name: `row ${i}` })) };
    const { copy, cut, openAtCut } = jsonPrefixCopy(value, 500);
    const text = jsonText(copy);
    expect(cut).toBe(true);
    expect(text.length).toBeLessThan(600);
    expect(jsonText(value).startsWith(text.slice(0, text.length - openAtCut))).toBe(true);
  });

  it('cuts a string the budget falls in before its last word: no half of a card number is left to miss', () => {
    const { copy } = jsonPrefixCopy({ log: 'paid 4111 1111 1111 1111 by card 4111111111111111 twice' }, 45);
    expect(copy).toEqual({ log: expect.stringMatching(/^paid 4111 1111 1111 1111 by card $|^paid 4111 1111 1111 1111 by $/) });
  });

  it('keeps a key named __proto__ as a member, not as the prototype', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as object;
    const { copy } = jsonPrefixCopy(value, 1_000);
    expect(Object.keys(copy as object)).toEqual(['__proto__', 'a']);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
