import { roleAtLeast } from '@airlock/core';
import { agentsOverview } from '../../../src/ui/agents/overview.js';
import { requirePageUser } from '../../../src/ui/auth/session.js';
import { apiContext } from '../../../src/api/runtime-context.js';
import { KillSwitchForm } from '../../../src/ui/agents/kill-switch-form.js';
import { RevokeGrantForm } from '../../../src/ui/agents/revoke-grant-form.js';
import { DataTable } from '../../../src/ui/shared/data-table.js';

export const dynamic = 'force-dynamic';

export default async function AgentsPage() {
  const user = await requirePageUser();
  const agents = await agentsOverview(apiContext().db);
  const isAdmin = roleAtLeast(user.role, 'admin');
  const isApprover = roleAtLeast(user.role, 'approver');
  return (
    <>
      <h1>Agents</h1>
      {agents.length === 0 && (
        <div className="card empty">
          <p>
            No agents yet. Create one with the CLI (<code>npm run airlock -- agents create</code>) and give it an API key.
          </p>
        </div>
      )}
      {agents.map(({ agent, budgets, grants }) => (
        <section key={agent.id} className="card" aria-labelledby={`agent-${agent.id}`}>
          <div className="page-head">
            <h2 id={`agent-${agent.id}`}>{agent.name}</h2>
            <span className="muted mono">{agent.id}</span>
            {agent.suspension ? <span className="tier tier-critical">stopped</span> : <span className="tier tier-low">active</span>}
          </div>
          <p>
            Team <strong>{agent.team}</strong> · owner {agent.ownerId ?? 'none'} · allowed tools{' '}
            {agent.allowedTools.length ? agent.allowedTools.map((t) => <code key={t}>{t} </code>) : <em>none</em>}
          </p>
          {agent.suspension && (
            <p className="notice error">
              Stopped ({agent.suspension.scope} {agent.suspension.target}) by {agent.suspension.createdBy}: {agent.suspension.reason}
            </p>
          )}
          <h3>Budgets</h3>
          <DataTable columns={['Budget', 'Spent', 'Reserved', 'Limit', 'Remaining']} rows={budgets} empty="No budget caps this agent.">
            {(b) => (
              <tr key={b.id}>
                <td>
                  {b.scope} {b.target} per {b.period} (from {b.periodStart})
                </td>
                <td className="mono">{b.spent}</td>
                <td className="mono">{b.reserved}</td>
                <td className="mono">
                  {b.limit} {b.currency}
                </td>
                <td className="mono">{b.remaining}</td>
              </tr>
            )}
          </DataTable>
          <h3>Standing approvals</h3>
          {grants.length === 0 ? (
            <p className="muted">None active.</p>
          ) : (
            <ul>
              {grants.map((g) => (
                <li key={g.id}>
                  <code>{g.tool}</code> when <code>{g.condition}</code> · {g.uses} of {g.maxUses} uses · until {g.validUntil.slice(0, 16).replace('T', ' ')} UTC · by {g.grantedBy}
                  {isApprover && <RevokeGrantForm grantId={g.id} label={`${agent.id} ${g.tool}`} />}
                </li>
              ))}
            </ul>
          )}
          {isAdmin && <KillSwitchForm agentId={agent.id} stopped={agent.suspension?.scope === 'agent'} />}
        </section>
      ))}
    </>
  );
}
