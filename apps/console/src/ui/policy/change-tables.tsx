import { amountsText } from '@airlock/core';
import type { ApprovalRequirement } from '@airlock/core/action';
import type { ApprovalTerm, ApprovalTermChange, BacktestReport } from '@airlock/ops';

import { DataTable } from '../shared/data-table.js';
// The summary tables backtest and shadow mode share: decision changes with money, tier shifts, approvals
// (asked, dropped, or asked by both on other terms: who and how many decide, by when).

const word = (decision: string) => decision.replace('_', ' ');

/** The approval block's fields as an operator reads them (the policy's own word beside each). */
const termLabels: Record<ApprovalTerm, string> = {
  quorum: 'Approvals needed',
  role: 'Approver role',
  group: 'Approver group',
  denyEndsIt: 'One deny ends it',
  deadline: 'Deadline',
  timeout: 'At the deadline',
  escalation: 'Escalation',
};

type Total = BacktestReport['approvals']['newlyAsked'];

function Count({ total }: { total: Total }) {
  return (
    <>
      <strong>{total.count}</strong>
      {total.count > 0 && <> ({amountsText(total.amounts)})</>}
    </>
  );
}

export function ChangeTables({ transitions, tierShifts, approvals, approvalShifts }: Pick<BacktestReport, 'transitions' | 'tierShifts' | 'approvals' | 'approvalShifts'>) {
  return (
    <>
      <div className="grid2">
        <div>
          <h3>Decisions that would change</h3>
          <DataTable columns={['From → to', 'Actions', 'Cost estimates']} rows={transitions} empty="None." label="Decision changes">
            {(t) => (
              <tr key={`${t.from}-${t.to}`}>
                <td>
                  {word(t.from)} → <strong>{word(t.to)}</strong>
                </td>
                <td className="mono">{t.count}</td>
                <td className="mono">{amountsText(t.amounts)}</td>
              </tr>
            )}
          </DataTable>
        </div>
        <div>
          <h3>Tier shifts</h3>
          <DataTable columns={['From → to', 'Actions']} rows={tierShifts} empty="None." label="Tier shifts">
            {(s) => (
              <tr key={`${s.from}-${s.to}`}>
                <td>
                  <span className={`tier tier-${s.from}`}>{s.from}</span> → <span className={`tier tier-${s.to}`}>{s.to}</span>
                </td>
                <td className="mono">{s.count}</td>
              </tr>
            )}
          </DataTable>
        </div>
      </div>
      <h3>Approvals</h3>
      <p>
        Approvals newly asked: <strong>{approvals.newlyAsked.count}</strong> ({amountsText(approvals.newlyAsked.amounts)}) · no longer asked:{' '}
        <strong>{approvals.noLongerAsked.count}</strong> ({amountsText(approvals.noLongerAsked.amounts)})
      </p>
      <p>
        Asked by both, on other terms: stricter <Count total={approvals.stricter} /> · looser <Count total={approvals.looser} /> · otherwise changed{' '}
        <Count total={approvals.otherChanges} />
      </p>
      {approvalShifts.length > 0 && (
        <>
          <p className="muted small">
            Stricter takes more to get the action through: more approvals, a higher approver role, an approver group, one deny ending it, or no approving at the deadline. A
            deadline, an escalation or another group alone is neither.
          </p>
          <DataTable columns={['Term', 'From → to', 'Actions', 'Cost estimates']} rows={approvalShifts} label="Approval term changes">
            {(s) => (
              <tr key={`${s.term}-${s.from}-${s.to}`}>
                <td>
                  {termLabels[s.term]} <span className="muted small mono">{s.term}</span>
                </td>
                <td className="mono">
                  {s.from} → <strong>{s.to}</strong>
                </td>
                <td className="mono">{s.count}</td>
                <td className="mono">{amountsText(s.amounts)}</td>
              </tr>
            )}
          </DataTable>
        </>
      )}
    </>
  );
}

/** "1 approver", "2 admins (finance)": who and how many must approve, kept on one line. */
const approvalText = (a: ApprovalRequirement) =>
  `${a.requiredApprovals}\u00a0${a.approverRole}${a.requiredApprovals === 1 ? '' : 's'}${a.approverGroup ? `\u00a0(${a.approverGroup})` : ''}`;

export function Verdict({ decision, tier, approval }: { decision: string; tier: string; approval?: ApprovalRequirement | null }) {
  return (
    <>
      {word(decision)} <span className={`tier tier-${tier}`}>{tier}</span>
      {approval && (
        <>
          {' '}
          <span title={`${approval.requiredApprovals} approval${approval.requiredApprovals === 1 ? '' : 's'} from the ${approval.approverRole} role`}>
            · {approvalText(approval)}
          </span>
        </>
      )}
    </>
  );
}

/** The approval terms that differ on one action: "quorum 1 → 2, deadline 1h → 4h". */
export function TermChanges({ terms }: { terms: ApprovalTermChange[] }) {
  return <>{terms.map((t) => `${t.term} ${t.from} → ${t.to}`).join(', ')}</>;
}
