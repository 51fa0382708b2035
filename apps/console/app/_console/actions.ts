'use server';

import { verifyAuditChain } from '@airlock/db';
import { AuthError, CredentialsSignin } from 'next-auth';
import { refresh } from 'next/cache';
import { API_KEY_PROVIDER, OIDC_PROVIDER, PASSWORD_PROVIDER, THROTTLED, signIn as authSignIn, signOut as authSignOut } from '../../src/ui/auth/auth-js.js';
import { consoleDecision, editCheck } from '../../src/ui/actions/decision.js';
import { consoleApproveAndRemember } from '../../src/ui/actions/remember.js';
import { actionUser } from '../../src/ui/auth/guard.js';
import { failed, ok, type Notice } from '../../src/ui/forms/notice.js';
import { apiContext } from '../../src/api/runtime-context.js';

// Server actions are public POST endpoints: each one checks origin, session and role on its own.

export async function signInWithKey(_previous: Notice, form: FormData): Promise<Notice> {
  const raw = form.get('apiKey');
  const apiKey = typeof raw === 'string' ? raw.trim() : '';
  if (!apiKey) return failed('Paste your API key to sign in.');
  try {
    await authSignIn(API_KEY_PROVIDER, { apiKey, redirectTo: '/' });
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
    await authSignIn(PASSWORD_PROVIDER, { email: email.trim(), password, redirectTo: '/' });
  } catch (error) {
    if (error instanceof CredentialsSignin && error.code === THROTTLED) {
      return failed('Too many sign-in attempts for this email address. Wait 15 minutes, or ask an admin to reset your password.');
    }
    if (error instanceof AuthError) return failed('Wrong email or password.');
    throw error;
  }
  return ok('Signed in.');
}

export async function signInWithOidc(): Promise<void> {
  await authSignIn(OIDC_PROVIDER, { redirectTo: '/' });
}

export async function signOut(): Promise<void> {
  await authSignOut({ redirectTo: '/sign-in' });
}

export async function decide(_previous: Notice, form: FormData): Promise<Notice> {
  const guard = await actionUser('approver');
  if ('refusal' in guard) return failed(guard.refusal);
  const notice = await consoleDecision(guard.user, Object.fromEntries(form));
  if (notice.kind === 'ok') refresh();
  return notice;
}

/** Approves and grants a standing approval scoped from this action, through the one use case. */
export async function approveAndRemember(_previous: Notice, form: FormData): Promise<Notice> {
  const guard = await actionUser('approver');
  if ('refusal' in guard) return failed(guard.refusal);
  const notice = await consoleApproveAndRemember(guard.user, Object.fromEntries(form));
  if (notice.kind === 'ok') refresh();
  return notice;
}

/** Live check of an approver's edit against the tool's schema, before they submit it. */
export async function checkEditedArgs(actionId: string, text: string): Promise<Notice> {
  const guard = await actionUser('approver');
  if ('refusal' in guard) return failed(guard.refusal);
  return editCheck(actionId, text);
}

export type ChainNotice = Notice & { firstBrokenSeq?: string };

/** Walks the whole hash chain (any signed-in role may: it only reads). */
export async function verifyChain(): Promise<ChainNotice> {
  const guard = await actionUser('viewer');
  if ('refusal' in guard) return failed(guard.refusal);
  const result = await verifyAuditChain(apiContext().db);
  if (result.ok) return ok(`The chain verifies: ${result.checkedRows} rows, head ${result.headHash.slice(0, 16)}…`);
  return { ...failed(`Broken at seq ${result.firstBrokenSeq} after ${result.checkedRows} good rows: ${result.reason}.`), firstBrokenSeq: result.firstBrokenSeq };
}
