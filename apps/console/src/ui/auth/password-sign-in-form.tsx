'use client';

import { useActionState, useState } from 'react';
import { idle } from '../forms/notice.js';
import { signInWithEmail } from './sign-in-actions.js';
import { NoticeLine } from '../forms/notice-line.js';
import { sendKeepingTyped } from '../forms/keep-typed.js';

export function PasswordSignInForm({ next }: { next?: string }) {
  const [notice, action, pending] = useActionState(signInWithEmail, idle);
  // Controlled: React resets a form after its action, and a wrong password should not cost the typed address.
  const [email, setEmail] = useState('');
  return (
    <form action={action} onSubmit={sendKeepingTyped(action)} className="card">
      {next && <input type="hidden" name="next" value={next} />}
      <h2>Sign in with email and password</h2>
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="username" required spellCheck={false} value={email} onChange={(e) => setEmail(e.target.value)} />
      <label htmlFor="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="current-password" required />
      <button type="submit" disabled={pending}>
        {pending ? 'Checking…' : 'Sign in'}
      </button>
      <NoticeLine notice={notice} />
    </form>
  );
}
