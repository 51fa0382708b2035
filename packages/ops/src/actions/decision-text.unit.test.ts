import { describe, expect, it } from 'vitest';
import { fromZodError } from '../errors.js';
import { ApproveAndRememberInput } from './approve-and-remember.js';
import { DecideInput } from './decide.js';

const argsHash = 'a'.repeat(64);
const issuesOf = (result: { success: boolean; error?: Parameters<typeof fromZodError>[0] }) => (result.error ? fromZodError(result.error).issues : []);

// Every channel's decision passes here: text the workflow's gateway would refuse (PostgreSQL cannot store NUL,
// canonical JSON cannot hash a lone surrogate) is refused first, naming the field.
describe("a decision's text", () => {
  it('refuses NUL and a lone surrogate in a comment or feedback, naming the field', () => {
    expect(issuesOf(DecideInput.safeParse({ actionId: 'act-1', decision: 'deny', argsHash, feedback: 'stop\u0000' }))).toEqual([
      { path: 'feedback', message: 'must not contain NUL characters' },
    ]);
    expect(issuesOf(DecideInput.safeParse({ actionId: 'act-1', decision: 'approve', argsHash, comment: 'ok \ud800' }))).toEqual([
      { path: 'comment', message: expect.stringMatching(/surrogate/) },
    ]);
    expect(issuesOf(ApproveAndRememberInput.safeParse({ actionId: 'act-1', argsHash, comment: 'ok\u0000', bounds: [], maxUses: 5, validForHours: 24 }))).toEqual([
      { path: 'comment', message: 'must not contain NUL characters' },
    ]);
  });

  it('takes ordinary text, up to the decision’s own lengths', () => {
    expect(DecideInput.safeParse({ actionId: 'act-1', decision: 'deny', argsHash, feedback: 'x'.repeat(4000), comment: 'y'.repeat(2000) }).success).toBe(true);
    expect(issuesOf(DecideInput.safeParse({ actionId: 'act-1', decision: 'deny', argsHash, comment: 'y'.repeat(2001) })).map((i) => i.path)).toEqual(['comment']);
  });
});
