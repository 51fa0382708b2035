import { compileCondition, createPolicyEnvironment, type PolicyProblem } from '@airlock/policy';
import { describe, expect, it } from 'vitest';
import { conditionFromBounds } from './remember-bounds.js';

// A gate-only tool has no schema: its arguments reach a grant's condition as the agent sent them. CEL's double()
// parses strings, so `double(args["retries"]) <= 5.0` held for -100, -1e12, "-5" and "-inf": a remembered
// "retries at most 5" ran any of them with no one asked (as cents() once did for signed amounts).

/** A grant's condition evaluated as admission does: the policy environment, a thrown evaluation counts as no match. */
function grantMatches(condition: string, args: Record<string, unknown>): boolean {
  const problems: PolicyProblem[] = [];
  const matches = compileCondition(createPolicyEnvironment(), condition, 'condition', undefined, problems);
  expect(problems).toEqual([]);
  try {
    return matches({ tool: 'ops.retry', args, agent: { id: 'bot', team: 'ops', owner: null }, rationale: '', result: {} });
  } catch {
    return false;
  }
}

describe('a remembered bound on a number argument', () => {
  const atMostFive = conditionFromBounds({ retries: 3 }, [{ arg: 'retries', kind: 'at_most', value: 5 }]);

  it('covers numbers from zero to the cap, whether JSON gave an int or a double', () => {
    for (const retries of [3, 0, 5, 4.5, 3n]) expect(grantMatches(atMostFive, { retries }), String(retries)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['over the cap', 6],
    ['a negative', -100],
    ['a huge negative', -1e12],
    ['a negative int', -1n],
    ['a numeric string', '-5'],
    ['"-inf"', '-inf'],
    ['a string under the cap', '3'],
    ['a boolean', false],
    ['null', null],
  ])('does not cover %s', (_, retries) => {
    expect(grantMatches(atMostFive, { retries })).toBe(false);
  });

  it('reaches down to a negative value the approver saw, not below it', () => {
    const fromMinusTwo = conditionFromBounds({ offset: -2 }, [{ arg: 'offset', kind: 'at_most', value: 10 }]);
    expect(grantMatches(fromMinusTwo, { offset: -2 })).toBe(true);
    expect(grantMatches(fromMinusTwo, { offset: 10 })).toBe(true);
    expect(grantMatches(fromMinusTwo, { offset: -3 })).toBe(false);
  });

  it('`same` binds to the number, not to a string that parses as it', () => {
    const same = conditionFromBounds({ retries: 3 }, [{ arg: 'retries', kind: 'same' }]);
    expect(grantMatches(same, { retries: 3 })).toBe(true);
    expect(grantMatches(same, { retries: 3n })).toBe(true);
    expect(grantMatches(same, { retries: '3' })).toBe(false);
    expect(grantMatches(same, { retries: 4 })).toBe(false);
  });
});
