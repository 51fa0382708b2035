import { roleAtLeast } from '@airlock/core';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { requirePageUser } from '../../src/ui/auth/session.js';
import { signOut } from '../../src/ui/auth/sign-in-actions.js';
import { NavLink } from '../../src/ui/shared/nav-link.js';

// Per person, per request: never prerendered.
export const dynamic = 'force-dynamic';

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await requirePageUser();
  return (
    <>
      <a href="#content" className="skip">
        Skip to content
      </a>
      <header className="topbar">
        <nav aria-label="Console">
          <strong>Airlock</strong>
          <NavLink href="/">Inbox</NavLink>
          <NavLink href="/audit">Audit log</NavLink>
          <NavLink href="/analytics">Analytics</NavLink>
          <NavLink href="/agents">Agents</NavLink>
          <NavLink href="/policies">Policies</NavLink>
          {roleAtLeast(user.role, 'admin') && <NavLink href="/webhooks">Webhooks</NavLink>}
          {roleAtLeast(user.role, 'admin') && <NavLink href="/admin">Admin</NavLink>}
        </nav>
        <form action={signOut}>
          <span>
            {user.name} <span className="muted">({user.role})</span>
          </span>{' '}
          {user.hasPassword && (
            <>
              <Link href="/set-password">Change password</Link>{' '}
            </>
          )}
          <button type="submit">Sign out</button>
        </form>
      </header>
      <main id="content">{children}</main>
    </>
  );
}
