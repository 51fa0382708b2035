import { describe, expect, it } from 'vitest';
import { cutText } from './cut-text.js';

describe('cutText', () => {
  it('keeps text within the limit as it is', () => {
    expect(cutText('abc', 3)).toBe('abc');
    expect(cutText('', 0)).toBe('');
  });

  it('cuts to the limit in code units', () => {
    expect(cutText('abcdef', 4)).toBe('abcd');
    expect(cutText('abc', 0)).toBe('');
  });

  it('never splits a surrogate pair: a cut inside an emoji drops the whole emoji', () => {
    const text = `${'a'.repeat(3999)}\u{1F600}tail`;
    expect(cutText(text, 4000)).toBe('a'.repeat(3999));
    // A cut just after the pair keeps it.
    expect(cutText(text, 4001)).toBe(`${'a'.repeat(3999)}\u{1F600}`);
  });
});
