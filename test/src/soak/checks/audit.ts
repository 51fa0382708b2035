import type { ActionFacts, Facts } from './facts.js';
import type { Violation } from './violation.js';

const INVARIANT = 'the audit chain verifies and holds every step of every action';

/**
 * The hash chain verifies end to end, and each ended action has the rows its
 * path must have written, in order, with `action.completed` last.
 */
export function checkAudit(facts: Facts): Violation[] {
  const violations: Violation[] = [];
  if (!facts.chain.ok) violations.push({ invariant: INVARIANT, detail: `chain broken at seq ${facts.chain.firstBrokenSeq}: ${facts.chain.reason}` });
  for (const action of facts.actions) {
    for (const detail of problems(action)) violations.push({ invariant: INVARIANT, actionId: action.actionId, detail });
  }
  return violations;
}

function problems({ audit, workflow, reservations }: ActionFacts): string[] {
  const types = audit.map((a) => a.type);
  const outcome = workflow.outcome;
  // Admission writes the budget row before the classification.
  const required: string[] = ['action.requested', ...(reservations.length > 0 ? ['budget.reserved'] : []), 'action.classified'];
  const classified = audit.find((a) => a.type === 'action.classified')?.payload;
  if (classified?.decision === 'require_approval') {
    required.push('approval.opened');
    if (outcome?.status === 'executed') required.push('approval.decision', 'approval.approved', 'action.rechecked');
    if (outcome?.status === 'denied' && outcome.deniedBy !== 'policy') required.push('approval.decision', 'approval.denied');
    if (outcome?.status === 'expired') required.push('approval.timed_out');
  }
  if (outcome?.status === 'executed') required.push('tool.started', 'tool.succeeded');
  if (outcome?.status === 'failed') required.push('tool.started', 'tool.failed');
  required.push('action.completed');

  const found: string[] = [];
  const missing = required.filter((t) => !types.includes(t));
  if (missing.length > 0) found.push(`missing audit rows ${missing.join(', ')} (has ${types.join(', ')})`);
  // The order each path must follow (by chain position).
  const order = required.filter((t) => types.includes(t));
  const positions = order.map((t) => types.indexOf(t));
  if (positions.some((p, i) => i > 0 && p < positions[i - 1]!)) found.push(`audit rows out of order: ${types.join(', ')}`);
  if (types.at(-1) !== 'action.completed') found.push(`action.completed is not the last row: ${types.join(', ')}`);
  return found;
}
