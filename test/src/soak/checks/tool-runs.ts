import { REFUND_ROUTES } from '../workload.js';
import type { ActionFacts, Facts } from './facts.js';
import type { Violation } from './violation.js';

const INVARIANT = 'no tool runs twice, and none runs for an action that did not end executed or failed';

/**
 * One tool-run record per executed or failed action (keyed by its idempotency
 * key), none for a denied or expired one; the refund's side effect, a ledger
 * entry, exactly once per executed refund and for the amount asked.
 */
export function checkToolRuns(facts: Facts): Violation[] {
  const violations: Violation[] = facts.actions.flatMap((action) => problems(action).map((detail) => ({ invariant: INVARIANT, actionId: action.actionId, detail })));
  for (const key of facts.strayExecutions) violations.push({ invariant: INVARIANT, detail: `tool run ${key} belongs to no submitted action` });
  for (const key of facts.strayLedger) violations.push({ invariant: INVARIANT, detail: `ledger entry ${key} belongs to no submitted action` });
  return violations;
}

function problems({ actionId, record, workflow, executions, ledger }: ActionFacts): string[] {
  const found: string[] = [];
  const status = workflow.outcome?.status;
  const runKey = `${actionId}:run`;
  if (status === 'executed' || status === 'failed') {
    const expected = status === 'executed' ? 'succeeded' : 'failed';
    if (executions.length !== 1 || executions[0]!.idempotencyKey !== runKey || executions[0]!.status !== expected) {
      found.push(`expected one ${expected} run ${runKey}, found ${JSON.stringify(executions)}`);
    }
  } else if (executions.length > 0) {
    found.push(`ended ${status ?? 'without an outcome'} but has tool runs ${JSON.stringify(executions)}`);
  }
  const refunded = REFUND_ROUTES.has(record.planned.route) && status === 'executed';
  if (refunded) {
    if (ledger.length !== 1) found.push(`executed refund has ${ledger.length} ledger entries`);
    else if (ledger[0]!.amount !== record.planned.amount || ledger[0]!.reversed) found.push(`ledger entry ${JSON.stringify(ledger[0])}, asked for ${record.planned.amount}`);
  } else if (ledger.length > 0) {
    found.push(`ended ${status ?? 'without an outcome'} but has ledger entries ${JSON.stringify(ledger)}`);
  }
  return found;
}
