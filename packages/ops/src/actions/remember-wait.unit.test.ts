import { describe, expect, it } from 'vitest';
import { heldSince } from './remember-wait.js';

// Approve-and-remember whose Update ran out of time asks the workflow whether it holds the approval. Any approval by
// the same person counted: one they had given before (a plain Approve) answered "accepted, the grant is stored later"
// for a grant that never reached the workflow.

const sentAtMs = Date.parse('2026-12-07T12:00:00.000Z');
const decision = (decidedAt: string, approverId = 'alice', kind: 'approve' | 'deny' = 'approve') => ({
  approverId,
  decision: kind,
  channel: 'api' as const,
  round: 1,
  decidedAt,
});
const status = (...decisions: ReturnType<typeof decision>[]) => ({ approval: { decisions } });

describe('heldSince', () => {
  it('is the approval sent now, not one the person gave before', () => {
    expect(heldSince(status(decision('2026-12-07T12:00:00.400Z')), 'alice', sentAtMs)).toBe(true);
    expect(heldSince(status(decision('2026-12-07T11:59:59.500Z')), 'alice', sentAtMs)).toBe(true);
    expect(heldSince(status(decision('2026-12-07T11:58:00.000Z')), 'alice', sentAtMs)).toBe(false);
  });

  it("is this person's approval, not another's nor a deny", () => {
    expect(heldSince(status(decision('2026-12-07T12:00:01.000Z', 'bob')), 'alice', sentAtMs)).toBe(false);
    expect(heldSince(status(decision('2026-12-07T12:00:01.000Z', 'alice', 'deny')), 'alice', sentAtMs)).toBe(false);
    expect(heldSince({}, 'alice', sentAtMs)).toBe(false);
  });
});
