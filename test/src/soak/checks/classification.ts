import type { ActionFacts, Facts } from './facts.js';
import type { Violation } from './violation.js';

const INVARIANT = 'the classification in the audit log is the one the workflow acted on';

/**
 * `action.classified` is written once per action (its event key is unique), so
 * it must describe the admission the workflow followed: a denied action opens
 * no approval and runs nothing, an allowed one asks nobody, one that needs an
 * approval opens one. A retried admission that decided differently would leave
 * an audit log telling another story than what happened.
 */
export function checkClassification(facts: Facts): Violation[] {
  return facts.actions.flatMap((action) => problems(action).map((detail) => ({ invariant: INVARIANT, actionId: action.actionId, detail })));
}

function problems({ audit, approvals, executions, workflow }: ActionFacts): string[] {
  const classified = audit.find((a) => a.type === 'action.classified')?.payload;
  if (!classified) return [];
  const decision = String(classified.decision);
  const outcome = workflow.outcome;
  const told = `action.classified says ${decision} (${JSON.stringify(classified.reasons)})`;
  switch (decision) {
    case 'deny':
      if (approvals.length > 0 || executions.length > 0 || outcome?.status !== 'denied' || outcome.deniedBy !== 'policy') {
        return [`${told}, yet ${approvals.length} approval round(s), ${executions.length} tool run(s), outcome ${JSON.stringify(outcome)}`];
      }
      return [];
    case 'allow':
      return approvals.length > 0 ? [`${told}, yet an approval was opened`] : [];
    case 'require_approval':
      return approvals.length === 0 ? [`${told}, yet no approval was opened (outcome ${JSON.stringify(outcome)})`] : [];
    default:
      return [`${told}: not a decision`];
  }
}
