'use server';

import { AccountError, changeOwnPassword, type PasswordChange } from '@airlock/db/accounts';
import { AuthError } from 'next-auth';
import { PASSWORD_PROVIDER, signIn as authSignIn } from './auth-js.js';
import { passwordChangeUser } from './guard.js';
import { failed, type Notice } from '../forms/notice.js';
import { PasswordForm, passwordFormProblems } from './password-form.js';
import { apiContext } from '../../api/runtime-context.js';
import { safeReturnPath } from './return-path.js';

const REFUSALS: Record<Exclude<PasswordChange, { ok: true }>['reason'], string> = {
  wrong_password: 'Not changed: the current password is wrong.',
  same_password: 'Not changed: the new password must differ from the current one.',
  changed_meanwhile: 'Not changed: your password was reset meanwhile. Sign in again.',
};

/** Replaces the signed-in person's password (a one-time one included), then signs them in again with the new one. */
export async function setOwnPassword(_previous: Notice, form: FormData): Promise<Notice> {
  const guard = await passwordChangeUser();
  if ('refusal' in guard) return failed(guard.refusal);
  const parsed = PasswordForm.safeParse(Object.fromEntries(form));
  if (!parsed.success) return failed(`Not changed: ${passwordFormProblems(parsed.error)}`);
  const { currentPassword, newPassword } = parsed.data;
  let result: PasswordChange;
  try {
    result = await changeOwnPassword(apiContext().db, guard.user.userId, currentPassword, newPassword);
  } catch (error) {
    if (error instanceof AccountError) return failed(`Not changed: ${error.message}.`);
    throw error;
  }
  if (!result.ok) return failed(REFUSALS[result.reason]);
  // The change ended every password session, this one included: a fresh sign-in with the new password replaces the cookie.
  try {
    // On to the page the sign-in was for (only a path on this console), else the inbox.
    await authSignIn(PASSWORD_PROVIDER, { email: guard.user.email, password: newPassword, redirectTo: safeReturnPath(form.get('next')) ?? '/' });
  } catch (error) {
    // Success ends in a redirect, which Next.js throws: only Auth.js's own errors land below.
    if (!(error instanceof AuthError)) throw error;
  }
  return failed('Your password was changed, but signing you in again did not work. Sign in with the new password.');
}
