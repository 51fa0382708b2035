import { describe, expect, it } from 'vitest';
import { editedArgsText, refusalText, unsendableJson } from './gate.js';

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

describe('refusalText: why a gate-only call is not run, for the model', () => {
  it('says a failed call ran, so the model is not told it was refused before running', () => {
    expect(refusalText({ status: 'failed', actionId: 'a-1', error: 'card declined' })).toBe('it ran and failed: card declined');
  });

  it('names the approver once and adds the feedback for a denial', () => {
    expect(refusalText({ status: 'denied', actionId: 'a-1', reason: 'denied by alice', deniedBy: 'alice', feedback: 'ask first' })).toBe('denied by alice. Feedback: ask first');
  });
});

describe('unsendableJson: a report output that JSON would change or cannot carry', () => {
  it('names NaN and Infinity, which JSON.stringify would send as null', () => {
    expect(unsendableJson({ took: 1.5, rows: [1, Number.NaN] }, 'output')).toBe('output.rows.1: must be a finite number');
    expect(unsendableJson(Number.POSITIVE_INFINITY, 'output')).toBe('output: must be a finite number');
  });

  it('names a BigInt and a cycle, on which JSON.stringify throws', () => {
    const looped: Record<string, unknown> = { a: 1 };
    looped.self = looped;
    expect(unsendableJson({ id: 10n }, 'output')).toBe('output.id: must be JSON (an object, array, string, number, boolean or null), got a BigInt');
    expect(unsendableJson(looped, 'output')).toBe('output.self: must be JSON: it contains itself');
  });

  it('passes JSON and what JSON.stringify writes as JSON (a Date, the same object twice)', () => {
    const shared = { n: 1 };
    expect(unsendableJson({ at: new Date(0), a: shared, b: shared, none: null, text: 'x', flag: true }, 'output')).toBeUndefined();
  });
});
