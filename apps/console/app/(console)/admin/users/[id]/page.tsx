import { listKeys, listUsers } from '@airlock/ops';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { requireAdminPage } from '../../../../../src/ui/auth/admin-gate.js';
import { apiContext } from '../../../../../src/api/runtime-context.js';
import { disableUserAction } from '../../../../../src/ui/admin/admin-actions.js';
import { AdminForm } from '../../../../../src/ui/admin/admin-form.js';
import { KeysSection } from '../../../../../src/ui/admin/keys-section.js';

export const dynamic = 'force-dynamic';

export default async function AdminUserPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireAdminPage();
  const id = decodeURIComponent((await params).id);
  const { db } = apiContext();
  const users = await listUsers(db);
  const user = users.find((u) => u.id === id);
  if (!user) notFound();
  const keys = await listKeys(db, { userId: id });
  return (
    <>
      <p>
        <Link href="/admin/users">← All users</Link>
      </p>
      <div className="page-head">
        <h1>{user.name}</h1>
        <span className="muted">{user.email}</span>
        <span className="tier">{user.role}</span>
        {user.disabledAt && <span className="tier tier-critical">disabled</span>}
      </div>
      <p className="muted">
        User API keys sign in to the console and call the REST API as {user.name}, with their role. Groups: {user.groups.join(', ') || 'none'}.
      </p>
      {user.disabledAt ? <p className="notice error">Disabled: their keys were revoked and their sessions ended.</p> : <KeysSection owner={{ userId: user.id }} keys={keys} />}
      {!user.disabledAt && user.id !== me.userId && (
        <section className="card danger-zone" aria-labelledby="disable-user-heading">
          <h2 id="disable-user-heading">Disable this user</h2>
          <p>Their keys are revoked and their console sessions end at once. Their past decisions stay in the audit log.</p>
          <AdminForm action={disableUserAction} submit="Disable user" danger confirm={`Disable ${user.email}?`}>
            <input type="hidden" name="id" value={user.id} />
            <label htmlFor="disable-user-reason">Reason (recorded in the audit log)</label>
            <input id="disable-user-reason" name="reason" required maxLength={2000} />
          </AdminForm>
        </section>
      )}
    </>
  );
}
