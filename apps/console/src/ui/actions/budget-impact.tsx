import type { BudgetImpactView } from '@airlock/core';

import { DataTable } from '../shared/data-table.js';
/** What the action does to each budget it reserves against: limit, spent, reserved and this action's share. */
export function BudgetImpact({ impacts }: { impacts: BudgetImpactView[] }) {
  if (impacts.length === 0) return <p className="muted">No budget applies to this action.</p>;
  return (
    <DataTable columns={['Budget', 'Limit', 'Spent', 'Reserved', 'This action']} rows={impacts} caption="Budget impact">
      {(b) => (
        <tr key={b.budgetId}>
          <td>
            {b.scope} {b.target} per {b.period}
            {b.thresholdCrossed && <strong className="urgent"> · over the approval threshold</strong>}
          </td>
          <td className="mono">
            {b.limit} {b.currency}
          </td>
          <td className="mono">
            {b.spent} {b.currency}
          </td>
          <td className="mono">
            {b.reserved} {b.currency}
          </td>
          <td className="mono">
            {b.thisAction} {b.currency}
          </td>
        </tr>
      )}
    </DataTable>
  );
}

/** The approval row's stored budget impact (JSON) as views; anything unrecognised reads as none. */
export function storedImpacts(value: unknown): BudgetImpactView[] {
  return Array.isArray(value) ? value.filter((v): v is BudgetImpactView => typeof v === 'object' && v !== null && 'budgetId' in v) : [];
}
