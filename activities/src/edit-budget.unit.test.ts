import { describe, expect, it } from 'vitest';
import { editBudgetHolder, editClassifiedKey } from './edit-budget.js';

describe("who holds an edit's reservation", () => {
  it("is the round's edit holder for its first edit, as it always was", () => {
    expect(editBudgetHolder('act', 1, 'act')).toBe('act#edit1');
    // An edit in round 2 replaces what round 1's edit held.
    expect(editBudgetHolder('act', 2, 'act#edit1')).toBe('act#edit2');
    expect(editBudgetHolder('act', 2, 'act#edit1.3')).toBe('act#edit2');
  });

  it('is a holder of its own for every later edit of the round, derived from the one it replaces (a retry names the same)', () => {
    expect(editBudgetHolder('act', 1, 'act#edit1')).toBe('act#edit1.2');
    expect(editBudgetHolder('act', 1, 'act#edit1.2')).toBe('act#edit1.3');
    expect(editBudgetHolder('act', 1, 'act#edit1.9')).toBe('act#edit1.10');
    // Round 1 and round 10 are different rounds.
    expect(editBudgetHolder('act', 1, 'act#edit10')).toBe('act#edit1');
  });

  it("keys each edit's classification row by its holder; the round's first keeps its old key", () => {
    expect(editClassifiedKey('act', 'act#edit1')).toBe('act:edit.classified:1');
    expect(editClassifiedKey('act', 'act#edit1.2')).toBe('act:edit.classified:1.2');
  });
});
