import { describe, expect, it } from 'vitest';
import { editedArgsText } from './gate.js';

describe('editedArgsText: what the model is told when an approver edited its arguments', () => {
  it('is nothing when the tool runs with the arguments the model asked for, in any key order', () => {
    expect(editedArgsText({ amount: '125.00', meta: { a: 1, b: 2 } }, { meta: { b: 2, a: 1 }, amount: '125.00' })).toBeUndefined();
  });

  it('names each changed, added and removed field with what was asked and what ran', () => {
    expect(editedArgsText({ amount: '125.00', reason: 'dup', note: 'x' }, { amount: '100.00', reason: 'dup', currency: 'USD' })).toBe(
      'An approver in Airlock changed the arguments before it ran: amount "125.00" → "100.00", note "x" → (none), currency (none) → "USD".',
    );
  });
});
