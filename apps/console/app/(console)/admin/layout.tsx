import type { ReactNode } from 'react';
import { requireAdminPage } from '../../../src/ui/auth/admin-gate.js';
import { NavLink } from '../../../src/ui/shared/nav-link.js';

export const dynamic = 'force-dynamic';

/** Admin pages: anyone below admin gets an audited 403 (each page checks again: layouts are not re-rendered on every navigation). */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  await requireAdminPage();
  return (
    <>
      <nav aria-label="Administration" className="subnav">
        <NavLink href="/admin/agents">Agents and keys</NavLink>
        <NavLink href="/admin/users">Users and roles</NavLink>
        <NavLink href="/admin/budgets">Budgets</NavLink>
        <NavLink href="/admin/slack">Slack links</NavLink>
      </nav>
      {children}
    </>
  );
}
