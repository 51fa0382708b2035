import { redirect } from 'next/navigation';
import { oidcProviderName } from '../../src/ui/auth/auth-js.js';
import { safeReturnPath } from '../../src/ui/auth/return-path.js';
import { sessionState } from '../../src/ui/auth/session.js';
import { signInWithOidc } from '../../src/ui/auth/sign-in-actions.js';
import { PasswordSignInForm } from '../../src/ui/auth/password-sign-in-form.js';
import { SignInForm } from '../../src/ui/auth/sign-in-form.js';

export const dynamic = 'force-dynamic';

const OIDC_ERRORS: Record<string, string> = {
  AccessDenied: 'Your identity provider signed you in, but no Airlock user has that verified email address. Ask an admin to add you.',
  Configuration: 'Single sign-on is misconfigured on the server. An admin can find the details in the console’s log.',
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string; next?: string }> }) {
  const { error, next: asked } = await searchParams;
  // The page a signed-out visit came from (a link in Slack, a bookmark): back there after signing in.
  const next = safeReturnPath(asked);
  const state = await sessionState();
  if (state.status === 'signed_in') redirect(next ?? '/');
  if (state.status === 'must_change_password') redirect('/set-password');
  const sso = oidcProviderName();
  return (
    <main className="narrow">
      <h1>Airlock</h1>
      {error && error !== 'CredentialsSignin' && (
        <p role="alert" className="notice error">
          {OIDC_ERRORS[error] ?? 'Sign-in did not complete. Try again.'}
        </p>
      )}
      {sso && (
        <form action={signInWithOidc} className="card">
          {next && <input type="hidden" name="next" value={next} />}
          <h2>Single sign-on</h2>
          <button type="submit">Sign in with {sso}</button>
        </form>
      )}
      <PasswordSignInForm next={next} />
      <SignInForm next={next} />
    </main>
  );
}
