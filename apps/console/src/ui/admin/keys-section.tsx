import type { KeyRecord } from '@airlock/ops';
import { mintKeyAction } from './admin-actions.js';
import { AdminForm } from './admin-form.js';
import { KeysTable } from './keys-table.js';

/** An agent's or a person's API keys: never their secrets, which exist only in the answer that minted them. */
export function KeysSection({ owner, keys }: { owner: { agentId: string } | { userId: string }; keys: KeyRecord[] }) {
  const now = Date.now();
  const ownerField = 'agentId' in owner ? { name: 'agentId', value: owner.agentId } : { name: 'userId', value: owner.userId };
  return (
    <section className="card" aria-labelledby="keys-heading">
      <h2 id="keys-heading">API keys</h2>
      {keys.length === 0 ? (
        <p className="muted">No keys yet.</p>
      ) : (
        <KeysTable
          keys={keys.map((k) => ({
            id: k.id,
            prefix: k.prefix,
            name: k.name,
            createdAt: k.createdAt.toISOString(),
            expiresAt: k.expiresAt?.toISOString() ?? null,
            lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
            revokedAt: k.revokedAt?.toISOString() ?? null,
            expired: k.expiresAt !== null && k.expiresAt.getTime() <= now,
          }))}
        />
      )}
      <h3>Mint a key</h3>
      <AdminForm action={mintKeyAction} submit="Mint key">
        <input type="hidden" name={ownerField.name} value={ownerField.value} />
        <div className="grid2">
          <div>
            <label htmlFor="key-name">Key name (to tell keys apart)</label>
            <input id="key-name" name="name" placeholder="default" maxLength={100} />
          </div>
          <div>
            <label htmlFor="key-expires">Expires (UTC, optional)</label>
            <input id="key-expires" name="expiresAt" type="datetime-local" />
          </div>
        </div>
      </AdminForm>
    </section>
  );
}
