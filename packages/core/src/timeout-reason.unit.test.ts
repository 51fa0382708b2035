import { describe, expect, it } from 'vitest';
import { timeoutOutcomeOf, timeoutReason } from './timeout-reason.js';

describe('a timed-out round’s reason', () => {
  it('reads back the outcome it was written with, and nothing from other words', () => {
    expect(timeoutReason('2026-01-01T01:00:00.000Z', 'approve')).toBe('no decision before 2026-01-01T01:00:00.000Z; timeout outcome: approve');
    for (const outcome of ['approve', 'deny', 'escalate', 'wait_forever']) expect(timeoutOutcomeOf(timeoutReason('the deadline', outcome))).toBe(outcome);
    expect(timeoutOutcomeOf('denied by alice')).toBeUndefined();
    expect(timeoutOutcomeOf('no decision before the deadline; timeout outcome: approve, then more')).toBeUndefined();
  });
});
