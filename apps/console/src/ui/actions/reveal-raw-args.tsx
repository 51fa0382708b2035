'use client';

import { useState } from 'react';

type Reveal = { kind: 'idle' } | { kind: 'pending' } | { kind: 'shown'; args: unknown; revealedAt: string } | { kind: 'error'; message: string };

/** Admins only (the server checks): fetches the unredacted arguments; the audit row is written before they are read. */
export function RevealRawArgs({ actionId }: { actionId: string }) {
  const [reveal, setReveal] = useState<Reveal>({ kind: 'idle' });
  const onReveal = async () => {
    setReveal({ kind: 'pending' });
    try {
      const response = await fetch(`/api/console/actions/${actionId}/raw-args`, { method: 'POST' });
      const body = (await response.json()) as { args?: unknown; revealedAt?: string; error?: { message?: string } };
      if (response.ok && body.revealedAt) setReveal({ kind: 'shown', args: body.args, revealedAt: body.revealedAt });
      else setReveal({ kind: 'error', message: body.error?.message ?? `Refused (HTTP ${response.status}).` });
    } catch {
      setReveal({ kind: 'error', message: 'The console did not answer. Try again.' });
    }
  };
  if (reveal.kind === 'shown') {
    return (
      <div className="raw-args">
        <h3>Raw arguments</h3>
        <p role="status" className="notice ok">
          As the agent sent them. Your reveal was recorded in the audit log at {reveal.revealedAt.slice(0, 19).replace('T', ' ')} UTC.
        </p>
        <pre aria-label="Raw arguments">{JSON.stringify(reveal.args, null, 2)}</pre>
      </div>
    );
  }
  return (
    <div className="raw-args">
      <button type="button" onClick={() => void onReveal()} disabled={reveal.kind === 'pending'}>
        {reveal.kind === 'pending' ? 'Revealing…' : 'Reveal raw arguments'}
      </button>
      <p className="muted small">Admins only. Each reveal is written to the audit log (who, when) before the arguments are read.</p>
      {reveal.kind === 'error' && (
        <p role="alert" className="notice error">
          {reveal.message}
        </p>
      )}
    </div>
  );
}
