'use client';

import { useActionState } from 'react';
import { idle } from '../forms/notice.js';
import { setOwnPassword } from './password-actions.js';
import { NoticeLine } from '../forms/notice-line.js';
import { sendKeepingTyped } from '../forms/keep-typed.js';

export function SetPasswordForm({ oneTime, next }: { oneTime: boolean; next?: string | undefined }) {
  const [notice, action, pending] = useActionState(setOwnPassword, idle);
  return (
    <form action={action} onSubmit={sendKeepingTyped(action)} className="card">
      <h2>{oneTime ? 'Set your password' : 'Change your password'}</h2>
      {next && <input type="hidden" name="next" value={next} />}
      <label htmlFor="currentPassword">{oneTime ? 'One-time password' : 'Current password'}</label>
      <input id="currentPassword" name="currentPassword" type="password" autoComplete="current-password" required />
      <label htmlFor="newPassword">New password</label>
      <input id="newPassword" name="newPassword" type="password" autoComplete="new-password" minLength={12} maxLength={256} required aria-describedby="newPasswordHint" />
      <p id="newPasswordHint" className="muted small">
        At least 12 characters. A few unrelated words make a strong one.
      </p>
      <label htmlFor="confirmPassword">Repeat new password</label>
      <input id="confirmPassword" name="confirmPassword" type="password" autoComplete="new-password" required />
      <button type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Set password'}
      </button>
      <NoticeLine notice={notice} />
    </form>
  );
}
