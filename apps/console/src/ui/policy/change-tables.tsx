import { amountsText } from '@airlock/core';
import type { BacktestReport } from '@airlock/ops';

import { DataTable } from '../shared/data-table.js';
// The summary tables backtest and shadow mode share: decision changes with money, tier shifts, approvals.

const word = (decision: string) => decision.replace('_', ' ');

export function ChangeTables({ transitions, tierShifts, approvals }: Pick<BacktestReport, 'transitions' | 'tierShifts' | 'approvals'>) {
  return (
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
        <p>
          Approvals newly asked: <strong>{approvals.newlyAsked.count}</strong> ({amountsText(approvals.newlyAsked.amounts)}) · no longer asked:{' '}
          <strong>{approvals.noLongerAsked.count}</strong> ({amountsText(approvals.noLongerAsked.amounts)})
        </p>
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
  );
}

export function Verdict({ decision, tier }: { decision: string; tier: string }) {
  return (
    <>
      {word(decision)} <span className={`tier tier-${tier}`}>{tier}</span>
    </>
  );
}
