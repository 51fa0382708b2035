import { roleAtLeast } from '@airlock/core';
import { signedInUser } from '../src/console/session.js';
import { listApprovals } from '../src/server/approvals.js';
import { apiContext } from '../src/server/runtime-context.js';
import { signOut } from './_console/actions.js';
import { ApprovalBoard } from './_console/approval-board.js';
import { SignInForm } from './_console/sign-in-form.js';

// Per person, per request: never prerendered.
export const dynamic = 'force-dynamic';

export default async function ConsolePage() {
  const user = await signedInUser();
  if (!user) {
    return (
      <main>
        <h1>Airlock</h1>
        <SignInForm />
      </main>
    );
  }
  const approvals = await listApprovals(apiContext().db, { status: 'open', limit: 100 });
  return (
    <main>
      <header>
        <h1>Airlock</h1>
        <form action={signOut}>
          <span>
            {user.name} ({user.role})
          </span>{' '}
          <button type="submit">Sign out</button>
        </form>
      </header>
      <ApprovalBoard approvals={approvals} canDecide={roleAtLeast(user.role, 'approver')} />
    </main>
  );
}
