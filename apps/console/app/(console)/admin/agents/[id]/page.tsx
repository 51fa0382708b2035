import { listAgents, listKeys, listUsers } from '@airlock/ops';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { requireAdminPage } from '../../../../../src/ui/auth/admin-gate.js';
import { apiContext } from '../../../../../src/api/runtime-context.js';
import { disableAgentAction, updateAgentAction } from '../../../../../src/ui/admin/admin-actions.js';
import { AdminForm } from '../../../../../src/ui/admin/admin-form.js';
import { KeysSection } from '../../../../../src/ui/admin/keys-section.js';
import { OwnerSelect } from '../../../../../src/ui/admin/owner-select.js';

export const dynamic = 'force-dynamic';

export default async function AdminAgentPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdminPage();
  const id = decodeURIComponent((await params).id);
  const { db } = apiContext();
  const [agents, users] = await Promise.all([listAgents(db), listUsers(db)]);
  const agent = agents.find((a) => a.id === id);
  if (!agent) notFound();
  const keys = await listKeys(db, { agentId: id });
  return (
    <>
      <p>
        <Link href="/admin/agents">← All agents</Link>
      </p>
      <div className="page-head">
        <h1>{agent.name}</h1>
        <span className="muted mono">{agent.id}</span>
        {agent.disabledAt ? <span className="tier tier-critical">disabled</span> : <span className="tier tier-low">active</span>}
      </div>
      {agent.disabledAt ? (
        <p className="notice error">Disabled since {agent.disabledAt.toISOString().slice(0, 16).replace('T', ' ')} UTC: admission refuses it and its keys were revoked.</p>
      ) : (
        <section className="card" aria-labelledby="agent-settings-heading">
          <h2 id="agent-settings-heading">Team, owner and tools</h2>
          <AdminForm action={updateAgentAction} keepValues submit="Save agent">
            <input type="hidden" name="id" value={agent.id} />
            <div className="grid2">
              <div>
                <label htmlFor="edit-name">Display name</label>
                <input id="edit-name" name="name" defaultValue={agent.name} required maxLength={200} />
              </div>
              <div>
                <label htmlFor="edit-team">Team</label>
                <input id="edit-team" name="team" defaultValue={agent.team} required maxLength={100} />
              </div>
              <OwnerSelect id="edit-owner" users={users} value={agent.ownerId} />
            </div>
            <label htmlFor="edit-tools">Allowed tools (names or globs, separated by commas or lines; empty = none)</label>
            <textarea id="edit-tools" name="allowedTools" rows={3} defaultValue={agent.allowedTools.join('\n')} spellCheck={false} />
          </AdminForm>
        </section>
      )}
      <KeysSection owner={{ agentId: agent.id }} keys={keys} />
      {!agent.disabledAt && (
        <section className="card danger-zone" aria-labelledby="disable-heading">
          <h2 id="disable-heading">Disable this agent</h2>
          <p>Its new requests are refused and every key of it is revoked at once. Actions already in flight continue: use the kill switch on the Agents page to stop those.</p>
          <AdminForm action={disableAgentAction} submit="Disable agent" danger confirm={`Disable ${agent.id} and revoke all its keys?`}>
            <input type="hidden" name="id" value={agent.id} />
            <label htmlFor="disable-reason">Reason (recorded in the audit log)</label>
            <input id="disable-reason" name="reason" required maxLength={2000} />
          </AdminForm>
        </section>
      )}
    </>
  );
}
