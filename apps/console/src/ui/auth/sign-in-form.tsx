'use client';

import { useActionState } from 'react';
import { idle } from '../forms/notice.js';
import { signInWithKey } from './sign-in-actions.js';
import { NoticeLine } from '../forms/notice-line.js';
import { sendKeepingTyped } from '../forms/keep-typed.js';

export function SignInForm({ next }: { next?: string }) {
  const [notice, action, pending] = useActionState(signInWithKey, idle);
  return (
    <form action={action} onSubmit={sendKeepingTyped(action)} className="card">
      {next && <input type="hidden" name="next" value={next} />}
      <h2>Sign in with an API key</h2>
      <p>
        Paste your personal Airlock API key (it starts with <code>alk_</code>). Your session is kept in an HTTP-only cookie for this browser.
      </p>
      <label htmlFor="apiKey">API key</label>
      <input id="apiKey" name="apiKey" type="password" autoComplete="off" required spellCheck={false} />
      <button type="submit" disabled={pending}>
        {pending ? 'Checking…' : 'Sign in with API key'}
      </button>
      <NoticeLine notice={notice} />
    </form>
  );
}
