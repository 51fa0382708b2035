'use client';

import { startTransition, useActionState, type FormEvent } from 'react';
import { idle } from '../forms/notice.js';
import { revokeKeyAction, rotateKeyAction } from './admin-actions.js';
import { NoticeView } from '../forms/notice-line.js';
import { DataTable } from '../shared/data-table.js';

export interface KeyRow {
  id: string;
  prefix: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  expired: boolean;
}

const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—');

/**
 * The keys with rotate and revoke per row. The answers live here, not in the row:
 * a rotated or revoked key loses its buttons when the page refreshes, and the new
 * secret must still be shown (once).
 */
export function KeysTable({ keys }: { keys: KeyRow[] }) {
  const [rotated, rotate, rotating] = useActionState(rotateKeyAction, idle);
  const [revoked, revoke, revoking] = useActionState(revokeKeyAction, idle);
  const send = (run: (form: FormData) => void, question: string) => (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!window.confirm(question)) return;
    const data = new FormData(event.currentTarget);
    startTransition(() => run(data));
  };
  return (
    <>
      <DataTable columns={['Key', 'Name', 'Created', 'Expires', 'Last used', 'State', <span className="sr-only">Actions</span>]} rows={keys}>
        {(k) => (
          <tr key={k.id}>
            <td className="mono">{k.prefix}…</td>
            <td>{k.name}</td>
            <td className="mono">{when(k.createdAt)}</td>
            <td className="mono">{when(k.expiresAt)}</td>
            <td className="mono">{when(k.lastUsedAt)}</td>
            <td>
              {k.revokedAt ? (
                <span className="tier tier-critical">revoked</span>
              ) : k.expired ? (
                <span className="tier tier-high">expired</span>
              ) : (
                <span className="tier tier-low">active</span>
              )}
            </td>
            <td>
              {!k.revokedAt && (
                <div className="buttons">
                  <form action={rotate} onSubmit={send(rotate, `Rotate key ${k.prefix}…? It stops working now; the new key is shown once.`)} className="inline-form">
                    <input type="hidden" name="id" value={k.id} />
                    <button type="submit" disabled={rotating} aria-label={`Rotate: key ${k.prefix}`}>
                      Rotate
                    </button>
                  </form>
                  <form action={revoke} onSubmit={send(revoke, `Revoke key ${k.prefix}…? It is refused from the next request on.`)} className="inline-form">
                    <input type="hidden" name="id" value={k.id} />
                    <button type="submit" className="deny" disabled={revoking} aria-label={`Revoke: key ${k.prefix}`}>
                      Revoke
                    </button>
                  </form>
                </div>
              )}
            </td>
          </tr>
        )}
      </DataTable>
      <NoticeView notice={rotated} />
      <NoticeView notice={revoked} />
    </>
  );
}
