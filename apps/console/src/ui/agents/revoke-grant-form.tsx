'use client';

import { useActionState } from 'react';
import { idle } from '../forms/notice.js';
import { revokeStandingGrant } from './governance-actions.js';
import { InlineNotice } from '../forms/notice-line.js';

/** Revokes a standing approval after the browser's confirmation. */
export function RevokeGrantForm({ grantId, label }: { grantId: string; label: string }) {
  const [notice, action, pending] = useActionState(revokeStandingGrant, idle);
  return (
    <form
      action={action}
      onSubmit={(event) => {
        if (!window.confirm(`Revoke the standing approval for ${label}? It stops approving at once.`)) event.preventDefault();
      }}
    >
      <input type="hidden" name="grantId" value={grantId} />
      <button type="submit" className="deny" disabled={pending} aria-label={`Revoke standing approval for ${label}`}>
        Revoke
      </button>
      <InlineNotice notice={notice} />
    </form>
  );
}
