'use client';

import { useActionState, useState } from 'react';
import { useHydrated } from '../shared/hydrated.js';
import { idle } from '../forms/notice.js';
import { clearShadowAction, setShadowAction } from './candidate-actions.js';
import { InlineNotice } from '../forms/notice-line.js';
import { sendKeepingTyped } from '../forms/keep-typed.js';

/** Puts a candidate in shadow (admin; the use case validates, writes and audits it). */
export function SetShadowForm({ initialText }: { initialText: string }) {
  const [notice, action, pending] = useActionState(setShadowAction, idle);
  const [policy, setPolicy] = useState(initialText);
  const hydrated = useHydrated();
  return (
    <form action={action} onSubmit={sendKeepingTyped(action)} className="card" aria-labelledby="shadow-set-heading">
      <h2 id="shadow-set-heading">Put a candidate in shadow</h2>
      <label htmlFor="shadow-policy">Candidate policy (YAML)</label>
      <textarea id="shadow-policy" name="policy" className="mono" rows={14} value={policy} readOnly={!hydrated} onChange={(e) => setPolicy(e.target.value)} spellCheck={false} />
      <label htmlFor="shadow-source">Name</label>
      <input id="shadow-source" name="source" defaultValue="candidate.yaml" />
      <button type="submit" disabled={pending || !hydrated}>
        Start shadow
      </button>
      <p>
        <InlineNotice notice={notice} />
      </p>
    </form>
  );
}

export function ClearShadowForm({ version }: { version: string }) {
  const [notice, action, pending] = useActionState(clearShadowAction, idle);
  return (
    <form
      action={action}
      onSubmit={(event) => {
        if (!window.confirm(`Stop evaluating shadow policy ${version.slice(0, 12)}?`)) event.preventDefault();
      }}
    >
      <button type="submit" className="deny" disabled={pending}>
        Stop shadow
      </button>
      <InlineNotice notice={notice} />
    </form>
  );
}
