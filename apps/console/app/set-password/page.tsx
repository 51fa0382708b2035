import Link from 'next/link';
import { redirect } from 'next/navigation';
import { sessionState } from '../../src/ui/auth/session.js';
import { signOut } from '../../src/ui/auth/sign-in-actions.js';
import { SetPasswordForm } from '../../src/ui/auth/set-password-form.js';
import { safeReturnPath } from '../../src/ui/auth/return-path.js';

// Outside the console layout on purpose: a one-time password session may open this page and nothing else.
export const dynamic = 'force-dynamic';

export default async function SetPasswordPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const state = await sessionState();
  // The page a one-time password sign-in was on its way to (a link from Slack): there once the password is set.
  const next = safeReturnPath((await searchParams).next);
  if (state.status === 'signed_out') redirect('/sign-in');
  const oneTime = state.status === 'must_change_password';
  return (
    <main className="narrow">
      <h1>Airlock</h1>
      {oneTime ? (
        <p>Welcome, {state.user.name}. You signed in with a one-time password: choose your own to continue. The one-time password stops working once you have.</p>
      ) : (
        <p>
          <Link href="/">← Back to the console</Link>
        </p>
      )}
      {state.user.hasPassword ? (
        <SetPasswordForm oneTime={oneTime} next={next} />
      ) : (
        <p className="card">
          Your account has no console password: you sign in with an API key or single sign-on. An admin can give you one with{' '}
          <code>airlock users reset-password {state.user.userId}</code>.
        </p>
      )}
      <form action={signOut}>
        <button type="submit">Sign out</button>
      </form>
    </main>
  );
}
