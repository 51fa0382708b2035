import { APPROVAL_ROUTES, OWNER } from '../workload.js';
import type { ActionFacts, Facts } from './facts.js';
import type { Violation } from './violation.js';

const INVARIANT = 'no tool runs without the approval it needs, on the arguments approved';

/**
 * For an action the policy sent to a human: a run needs a round closed as
 * approved, an `approve` decision in it on the same args hash as the action
 * ran with, recorded in the audit chain before the tool started; and nobody
 * may decide for their own agent.
 */
export function checkApprovals(facts: Facts): Violation[] {
  return facts.actions.flatMap((action) => problems(action).map((detail) => ({ invariant: INVARIANT, actionId: action.actionId, detail })));
}

function problems({ record, row, audit, executions, ledger, approvals }: ActionFacts): string[] {
  const found: string[] = [];
  const classified = audit.find((a) => a.type === 'action.classified')?.payload;
  const needsApproval = classified?.decision === 'require_approval';
  const refusedForMoney = classified?.decision === 'deny' && JSON.stringify(classified.reasons ?? []).includes('budget');
  if (APPROVAL_ROUTES.has(record.planned.route) && !needsApproval && !refusedForMoney) {
    found.push(`a refund over 50.00 was classified ${String(classified?.decision)}: ${JSON.stringify(classified?.reasons)}`);
  }
  for (const approval of approvals) {
    for (const d of approval.decisions) if (d.userId === OWNER) found.push(`${OWNER} decided on their own agent's action`);
  }
  const ran = executions.length > 0 || ledger.length > 0;
  if (!needsApproval || !ran) return found;

  const approved = approvals.filter((a) => a.status === 'approved');
  const matching = approved.find((a) => a.argsHash === row?.argsHash && a.decisions.some((d) => d.decision === 'approve' && d.argsHash === a.argsHash));
  if (!matching) {
    found.push(`the tool ran without an approved round whose approve decision matches args hash ${row?.argsHash}: ${JSON.stringify(approvals)}`);
  }
  const approvedAt = audit.find((a) => a.type === 'approval.decision' && a.payload.decision === 'approve')?.seq;
  const startedAt = audit.find((a) => a.type === 'tool.started')?.seq;
  if (approvedAt === undefined || startedAt === undefined || approvedAt > startedAt) {
    found.push(`audit order: approve decision at seq ${approvedAt}, tool.started at seq ${startedAt}`);
  }
  return found;
}
