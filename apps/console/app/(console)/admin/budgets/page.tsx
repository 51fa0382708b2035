import { listBudgets } from '@airlock/db';
import { requireAdminPage } from '../../../../src/ui/auth/admin-gate.js';
import { apiContext } from '../../../../src/api/runtime-context.js';
import { changeBudgetAction, createBudgetAction, deleteBudgetAction } from '../../../../src/ui/admin/admin-actions.js';
import { AdminForm } from '../../../../src/ui/admin/admin-form.js';
import { DataTable } from '../../../../src/ui/shared/data-table.js';

export const dynamic = 'force-dynamic';

export default async function AdminBudgetsPage() {
  await requireAdminPage();
  const { db } = apiContext();
  const [budgets, agents] = await Promise.all([listBudgets(db), db.prisma.agent.findMany({ select: { id: true, team: true }, orderBy: { id: 'asc' } })]);
  const teams = [...new Set(agents.map((a) => a.team))].sort();
  return (
    <>
      <h1>Budgets</h1>
      <p className="muted">
        A budget caps spending per agent, team or the whole tenant, per UTC day or month. Above the approval threshold a request waits for a person; past the limit it is denied.
      </p>
      <section className="card" aria-labelledby="new-budget-heading">
        <h2 id="new-budget-heading">Create a budget</h2>
        <AdminForm action={createBudgetAction} submit="Create budget">
          <div className="grid2">
            <div>
              <label htmlFor="budget-scope">Scope</label>
              <select id="budget-scope" name="scope" defaultValue="agent">
                <option value="agent">agent</option>
                <option value="team">team</option>
                <option value="tenant">tenant (every agent)</option>
              </select>
            </div>
            <div>
              <label htmlFor="budget-target">Target (agent id or team; empty for the tenant)</label>
              <input id="budget-target" name="target" list="budget-targets" maxLength={200} spellCheck={false} />
              <datalist id="budget-targets">
                {agents.map((a) => (
                  <option key={`a-${a.id}`} value={a.id} />
                ))}
                {teams.map((t) => (
                  <option key={`t-${t}`} value={t} />
                ))}
              </datalist>
            </div>
            <div>
              <label htmlFor="budget-period">Period</label>
              <select id="budget-period" name="period" defaultValue="day">
                <option value="day">day (UTC)</option>
                <option value="month">month (UTC)</option>
              </select>
            </div>
            <div>
              <label htmlFor="budget-currency">Currency</label>
              <input id="budget-currency" name="currency" required maxLength={3} placeholder="EUR" />
            </div>
            <div>
              <label htmlFor="budget-limit">Limit</label>
              <input id="budget-limit" name="limit" required inputMode="decimal" placeholder="500.00" />
            </div>
            <div>
              <label htmlFor="budget-threshold">Approval above (optional)</label>
              <input id="budget-threshold" name="approvalThreshold" inputMode="decimal" placeholder="100.00" />
            </div>
          </div>
        </AdminForm>
      </section>
      <DataTable columns={['Budget', 'Spent', 'Reserved', 'Remaining', 'Limit and threshold', <span className="sr-only">Delete</span>]} rows={budgets} empty="No budgets yet.">
        {(b) => {
          const name = `${b.scope} ${b.target} ${b.currency} per ${b.period}`;
          return (
            <tr key={b.id}>
              <td>
                {b.scope} <strong>{b.target}</strong> per {b.period} <span className="muted">(from {b.periodStart})</span>
              </td>
              <td className="mono">
                {b.spent} {b.currency}
              </td>
              <td className="mono">
                {b.reserved} {b.currency}
              </td>
              <td className="mono">
                {b.remaining} {b.currency}
              </td>
              <td>
                <AdminForm action={changeBudgetAction} keepValues submit="Change" inline label={name}>
                  <input type="hidden" name="id" value={b.id} />
                  <label className="sr-only" htmlFor={`limit-${b.id}`}>
                    Limit of {name}
                  </label>
                  <input id={`limit-${b.id}`} name="limit" defaultValue={b.limit} inputMode="decimal" className="amount" /> {b.currency}
                  <label className="sr-only" htmlFor={`threshold-${b.id}`}>
                    Approval threshold of {name}
                  </label>
                  <span className="muted"> approval above </span>
                  <input id={`threshold-${b.id}`} name="approvalThreshold" defaultValue={b.approvalThreshold ?? ''} placeholder="none" inputMode="decimal" className="amount" />
                  <label className="inline">
                    <input type="checkbox" name="clearThreshold" value="1" /> no threshold
                  </label>
                </AdminForm>
              </td>
              <td>
                <AdminForm action={deleteBudgetAction} submit="Delete" danger inline label={name} confirm={`Delete the budget ${name}? Its usage is kept in the audit log only.`}>
                  <input type="hidden" name="id" value={b.id} />
                </AdminForm>
              </td>
            </tr>
          );
        }}
      </DataTable>
    </>
  );
}
