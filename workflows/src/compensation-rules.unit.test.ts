import type { CompensationResolution } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { compensationInputProblem } from './compensation-rules.js';

const base: CompensationResolution = { approverId: 'bob', step: 0, resolution: 'resolved_manually' };

describe('compensationInputProblem (the resolveCompensation validator)', () => {
  it('refuses a comment that could never be audited, naming the field', () => {
    expect(compensationInputProblem({ ...base, comment: 'fixed\u0000by hand' })).toBe('comment: must not contain NUL characters (PostgreSQL cannot store them)');
    expect(compensationInputProblem({ ...base, comment: 'half \ud800 a pair' })).toMatch(/^comment: must be Unicode text: it holds a lone surrogate/);
    expect(compensationInputProblem({ ...base, comment: 'x'.repeat(2001) })).toBe('comment: at most 2000 characters');
  });

  it('refuses a malformed resolution from a client that skipped the edge', () => {
    expect(compensationInputProblem({ ...base, approverId: '' })).toMatch(/^approverId:/);
    expect(compensationInputProblem({ ...base, step: 1.5 })).toMatch(/^step:/);
    expect(compensationInputProblem({ ...base, resolution: 'ignore' as never })).toMatch(/^resolution:/);
    expect(compensationInputProblem({ ...base, comment: 7 as never })).toMatch(/^comment:/);
  });

  it('accepts what the shared schema (storedText(2000)) accepts: no comment, emoji, the six characters \\u0000, 2000 characters', () => {
    for (const comment of [undefined, 'fixed by hand 👍', 'printf "\\u0000"', 'x'.repeat(2000)]) {
      expect(compensationInputProblem({ ...base, ...(comment === undefined ? {} : { comment }) })).toBeUndefined();
    }
    expect(compensationInputProblem({ approverId: 'bob', step: 3, resolution: 'retry' })).toBeUndefined();
  });
});
