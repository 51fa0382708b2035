import { listSlackLinks, listUsers } from '@airlock/ops';
import { requireAdminPage } from '../../../../src/ui/auth/admin-gate.js';
import { apiContext } from '../../../../src/api/runtime-context.js';
import { linkSlackAction, unlinkSlackAction } from '../../../../src/ui/admin/admin-actions.js';
import { AdminForm } from '../../../../src/ui/admin/admin-form.js';
import { DataTable } from '../../../../src/ui/shared/data-table.js';

export const dynamic = 'force-dynamic';

export default async function AdminSlackPage() {
  await requireAdminPage();
  const { db } = apiContext();
  const [links, users] = await Promise.all([listSlackLinks(db), listUsers(db)]);
  const email = new Map(users.map((u) => [u.id, u.email]));
  return (
    <>
      <h1>Slack links</h1>
      <p className="muted">A linked Slack account decides as its Airlock user, with that user’s role. Without a link, Slack accounts are matched by verified email, if at all.</p>
      <section className="card" aria-labelledby="new-link-heading">
        <h2 id="new-link-heading">Link a Slack user</h2>
        <AdminForm action={linkSlackAction} submit="Link">
          <div className="grid2">
            <div>
              <label htmlFor="slack-user">Slack user id (U…, from their Slack profile)</label>
              <input id="slack-user" name="slackUserId" required placeholder="U024BE7LH" spellCheck={false} />
            </div>
            <div>
              <label htmlFor="slack-airlock-user">Airlock user</label>
              <select id="slack-airlock-user" name="userId" required>
                {users
                  .filter((u) => !u.disabledAt)
                  .map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name} ({u.email}, {u.role})
                    </option>
                  ))}
              </select>
            </div>
          </div>
        </AdminForm>
      </section>
      <DataTable columns={['Slack user', 'Airlock user', 'Linked by', 'Since', <span className="sr-only">Unlink</span>]} rows={links} empty="No Slack links yet.">
        {(l) => (
          <tr key={l.slackUserId}>
            <td className="mono">{l.slackUserId}</td>
            <td>
              {l.userId} <span className="muted">{email.get(l.userId)}</span>
            </td>
            <td className="mono">{l.createdBy}</td>
            <td className="mono">{l.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC</td>
            <td>
              <AdminForm action={unlinkSlackAction} submit="Unlink" danger inline label={l.slackUserId} confirm={`Remove the link from ${l.slackUserId} to ${l.userId}?`}>
                <input type="hidden" name="slackUserId" value={l.slackUserId} />
              </AdminForm>
            </td>
          </tr>
        )}
      </DataTable>
    </>
  );
}
