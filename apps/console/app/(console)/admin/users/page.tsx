import { listKeys, listUsers } from '@airlock/ops';
import Link from 'next/link';
import { requireAdminPage } from '../../../../src/ui/auth/admin-gate.js';
import { apiContext } from '../../../../src/api/runtime-context.js';
import { changeRoleAction, createUserAction } from '../../../../src/ui/admin/admin-actions.js';
import { AdminForm } from '../../../../src/ui/admin/admin-form.js';
import { RoleMeanings, RoleSelect } from '../../../../src/ui/admin/role-select.js';
import { DataTable } from '../../../../src/ui/shared/data-table.js';

export const dynamic = 'force-dynamic';

export default async function AdminUsersPage() {
  const me = await requireAdminPage();
  const { db } = apiContext();
  const [users, keys] = await Promise.all([listUsers(db), listKeys(db)]);
  return (
    <>
      <h1>Users and roles</h1>
      <RoleMeanings />
      <section className="card" aria-labelledby="new-user-heading">
        <h2 id="new-user-heading">Add a user</h2>
        <p className="muted">They get a one-time password (shown once) and choose their own at the first sign-in.</p>
        <AdminForm action={createUserAction} submit="Add user">
          <div className="grid2">
            <div>
              <label htmlFor="user-email">Email</label>
              <input id="user-email" name="email" type="email" required maxLength={254} />
            </div>
            <div>
              <label htmlFor="user-name">Name (optional)</label>
              <input id="user-name" name="name" maxLength={200} />
            </div>
            <RoleSelect id="user-role" />
          </div>
        </AdminForm>
      </section>
      <DataTable columns={['User', 'Role', 'Active keys', 'State']} rows={users}>
        {(u) => (
          <tr key={u.id}>
            <td>
              <Link href={`/admin/users/${encodeURIComponent(u.id)}`}>{u.name}</Link> <span className="muted">{u.email}</span>
              {u.id === me.userId && <span className="muted"> (you)</span>}
            </td>
            <td>
              {u.disabledAt ? (
                u.role
              ) : (
                <AdminForm action={changeRoleAction} keepValues submit="Change role" inline label={u.email}>
                  <input type="hidden" name="id" value={u.id} />
                  <RoleSelect id={`role-${u.id}`} value={u.role} label={`Role of ${u.email}`} hideLabel />
                </AdminForm>
              )}
            </td>
            <td>{keys.filter((k) => k.userId === u.id && !k.revokedAt).length}</td>
            <td>{u.disabledAt ? <span className="tier tier-critical">disabled</span> : <span className="tier tier-low">active</span>}</td>
          </tr>
        )}
      </DataTable>
    </>
  );
}
