import { listAgents, listKeys, listUsers } from '@airlock/ops';
import Link from 'next/link';
import { requireAdminPage } from '../../../../src/ui/auth/admin-gate.js';
import { apiContext } from '../../../../src/api/runtime-context.js';
import { createAgentAction } from '../../../../src/ui/admin/admin-actions.js';
import { AdminForm } from '../../../../src/ui/admin/admin-form.js';
import { OwnerSelect } from '../../../../src/ui/admin/owner-select.js';
import { DataTable } from '../../../../src/ui/shared/data-table.js';

export const dynamic = 'force-dynamic';

export default async function AdminAgentsPage() {
  await requireAdminPage();
  const { db } = apiContext();
  const [agents, keys, users] = await Promise.all([listAgents(db), listKeys(db), listUsers(db)]);
  const activeKeys = (agentId: string) => keys.filter((k) => k.agentId === agentId && !k.revokedAt && !(k.expiresAt && k.expiresAt.getTime() <= Date.now())).length;
  return (
    <>
      <h1>Agents and keys</h1>
      <section className="card" aria-labelledby="new-agent-heading">
        <h2 id="new-agent-heading">Create an agent</h2>
        <AdminForm action={createAgentAction} submit="Create agent">
          <div className="grid2">
            <div>
              <label htmlFor="agent-id">Agent id</label>
              <input id="agent-id" name="id" required maxLength={200} placeholder="billing-bot" spellCheck={false} />
            </div>
            <div>
              <label htmlFor="agent-name">Display name (optional)</label>
              <input id="agent-name" name="name" maxLength={200} />
            </div>
            <div>
              <label htmlFor="agent-team">Team</label>
              <input id="agent-team" name="team" required maxLength={100} placeholder="finance" />
            </div>
            <OwnerSelect id="agent-owner" users={users} />
          </div>
          <label htmlFor="agent-tools">Allowed tools (names or globs like payments.*, separated by commas or lines; none if empty)</label>
          <textarea id="agent-tools" name="allowedTools" rows={2} spellCheck={false} />
        </AdminForm>
      </section>
      <DataTable columns={['Agent', 'Team', 'Owner', 'Allowed tools', 'Active keys', 'State']} rows={agents} empty="No agents yet.">
        {(a) => (
          <tr key={a.id}>
            <td>
              <Link href={`/admin/agents/${encodeURIComponent(a.id)}`}>{a.name}</Link> <span className="muted mono">{a.id}</span>
            </td>
            <td>{a.team}</td>
            <td>{a.ownerId ?? <span className="muted">none</span>}</td>
            <td className="mono">{a.allowedTools.join(', ') || <em>none</em>}</td>
            <td>{activeKeys(a.id)}</td>
            <td>{a.disabledAt ? <span className="tier tier-critical">disabled</span> : <span className="tier tier-low">active</span>}</td>
          </tr>
        )}
      </DataTable>
    </>
  );
}
