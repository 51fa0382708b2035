'use server';

import { AuthError, CredentialsSignin } from 'next-auth';
import { failed, ok, type Notice } from '../forms/notice.js';
import { safeReturnPath } from './return-path.js';
import { API_KEY_PROVIDER, OIDC_PROVIDER, PASSWORD_PROVIDER, THROTTLED, signIn as authSignIn, signOut as authSignOut } from './auth-js.js';

// Signing in and out through Auth.js; each refusal is worded for the person at the form.

export async function signInWithKey(_previous: Notice, form: FormData): Promise<Notice> {
  const raw = form.get('apiKey');
  const apiKey = typeof raw === 'string' ? raw.trim() : '';
  if (!apiKey) return failed('Paste your API key to sign in.');
  try {
    await authSignIn(API_KEY_PROVIDER, { apiKey, redirectTo: returnTo(form) });
  } catch (error) {
    // A successful sign-in ends in a redirect, which Next.js throws: only Auth.js's own errors are refusals.
    if (error instanceof AuthError) return failed('That key is unknown, revoked, or belongs to an agent. Sign in with your own user key.');
    throw error;
  }
  return ok('Signed in.');
}

export async function signInWithEmail(_previous: Notice, form: FormData): Promise<Notice> {
  const email = form.get('email');
  const password = form.get('password');
  if (typeof email !== 'string' || !email.trim() || typeof password !== 'string' || !password) return failed('Enter your email address and your password.');
  try {
    // A one-time password signs in too; the console then sends them to choose their own.
    await authSignIn(PASSWORD_PROVIDER, { email: email.trim(), password, redirectTo: returnTo(form) });
  } catch (error) {
    if (error instanceof CredentialsSignin && error.code === THROTTLED) {
      return failed('Too many sign-in attempts for this email address. Wait 15 minutes, or ask an admin to reset your password.');
    }
    if (error instanceof AuthError) return failed('Wrong email or password.');
    throw error;
  }
  return ok('Signed in.');
}

export async function signInWithOidc(form: FormData): Promise<void> {
  await authSignIn(OIDC_PROVIDER, { redirectTo: returnTo(form) });
}

/** The page the person asked for before signing in (the form's `next`), if it is one of ours; else the inbox. */
function returnTo(form: FormData): string {
  return safeReturnPath(form.get('next')) ?? '/';
}

export async function signOut(): Promise<void> {
  await authSignOut({ redirectTo: '/sign-in' });
}
