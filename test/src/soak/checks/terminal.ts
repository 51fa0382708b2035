import type { Route } from '../workload.js';
import type { ActionFacts, Facts } from './facts.js';
import type { Violation } from './violation.js';

const INVARIANT = 'every action ends in exactly one terminal state';

/** What each route may end as. A refund may always be refused for money instead. */
const EXPECTED: Record<Route, readonly string[]> = {
  echo: ['executed'],
  sleep: ['executed'],
  fail: ['failed'],
  auto_refund: ['executed', 'denied'],
  approve: ['executed', 'denied'],
  deny: ['denied'],
  timeout: ['expired', 'denied'],
};

/**
 * Temporal, the actions table and the audit log agree on one outcome per
 * action, and it is one the plan allows: a lost decision would show up as an
 * approved refund that expired, a lost timeout as one that never ended.
 */
export function checkTerminalStates(facts: Facts): Violation[] {
  return facts.actions.flatMap((action) => problems(action).map((detail) => ({ invariant: INVARIANT, actionId: action.actionId, detail })));
}

function problems({ record, workflow, row, audit }: ActionFacts): string[] {
  const found: string[] = [];
  const route = record.planned.route;
  if (workflow.closed !== 'COMPLETED') found.push(`workflow is ${workflow.closed}, not COMPLETED`);
  const outcome = workflow.outcome;
  if (!outcome) return [...found, 'the workflow returned no outcome'];
  if (!EXPECTED[route].includes(outcome.status)) found.push(`route ${route} ended ${outcome.status}: ${JSON.stringify(outcome)}`);
  if (outcome.status === 'denied' && route !== 'deny' && !/budget/.test(outcome.reason)) {
    found.push(`route ${route} was denied for another reason than its budget: ${outcome.reason}`);
  }
  if (outcome.status === 'denied' && route === 'deny' && outcome.deniedBy !== record.planned.decision?.approverId && !/budget/.test(outcome.reason)) {
    found.push(`denied by ${outcome.deniedBy}, expected ${record.planned.decision?.approverId} or the budget`);
  }
  if (!row) found.push('no row in actions');
  else if (row.status !== outcome.status) found.push(`actions.status is ${row.status}, the workflow returned ${outcome.status}`);
  const completed = audit.filter((a) => a.type === 'action.completed');
  if (completed.length !== 1) found.push(`${completed.length} action.completed audit rows`);
  else if (completed[0]!.payload.status !== outcome.status) found.push(`action.completed says ${String(completed[0]!.payload.status)}, the workflow returned ${outcome.status}`);
  // Replays that disagree with the code, or workflow code that threw: never expected.
  for (const cause of workflow.workflowTaskFailures) {
    if (/NON_DETERMINISTIC|UNHANDLED_FAILURE/.test(cause)) found.push(`workflow task failed: ${cause}`);
  }
  return found;
}
