import { parseAuditEvent } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { executionState, type EventRow } from './action-view.js';

const actionId = 'a-1';
const at = (second: number) => new Date(Date.UTC(2026, 11, 4, 12, 0, second));
const row = (type: string, payload: unknown, second: number): EventRow => {
  const event = parseAuditEvent(type, payload);
  if (event.type === 'legacy') throw new Error(`${type}: ${event.problem}`);
  return { event, createdAt: at(second) };
};
const started = row('tool.started', { tool: 'payments.refund', idempotencyKey: `${actionId}:run` }, 1);
const approved = { kind: 'approved', at: at(0) } as const;

describe("the run's line on an approved round", () => {
  it('says the run was cancelled when its worker died mid-run and the action then ended cancelled (no tool.* end written)', () => {
    const completed = row('action.completed', { status: 'cancelled', actionId, reason: 'kill switch (agent billing-bot)' }, 5);
    expect(executionState([started, completed], approved, { status: 'cancelled', actionId, reason: 'kill switch (agent billing-bot)' })).toEqual({
      kind: 'cancelled',
      at: at(5),
    });
  });

  it('says it failed, with the error, when the action ended failed after the start', () => {
    const completed = row('action.completed', { status: 'failed', actionId, error: 'worker lost' }, 6);
    expect(executionState([started, completed], approved, { status: 'failed', actionId, error: 'worker lost' })).toEqual({ kind: 'failed', at: at(6), error: 'worker lost' });
  });

  it('keeps showing it running until the action ends, and prefers the tool’s own end when there is one', () => {
    expect(executionState([started], approved, undefined)).toEqual({ kind: 'running', at: at(1) });
    const cancelled = row('tool.cancelled', { tool: 'payments.refund' }, 3);
    const completed = row('action.completed', { status: 'cancelled', actionId, reason: 'operator' }, 4);
    expect(executionState([started, cancelled, completed], approved, { status: 'cancelled', actionId, reason: 'operator' })).toEqual({ kind: 'cancelled', at: at(3) });
  });
});
