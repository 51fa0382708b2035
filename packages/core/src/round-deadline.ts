import type { ApprovalRequirement } from './action.js';

/**
 * The deadline of an approval round opened at `nowMs` (ISO), or null when the
 * policy waits forever. Shared by the workflow (later rounds) and admission
 * (which opens the first round in its own commit).
 */
export function roundDeadline(requirement: Pick<ApprovalRequirement, 'timeoutOutcome' | 'timeoutMs'>, nowMs: number): string | null {
  return requirement.timeoutOutcome === 'wait_forever' ? null : new Date(nowMs + requirement.timeoutMs).toISOString();
}
