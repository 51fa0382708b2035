import { z } from 'zod';
import { RecordId } from '../fields.js';
import { defineUseCase } from '../use-case.js';
import { keyAuditFields, lockKey } from './key-row.js';

export const RevokeKeyInput = z.strictObject({ id: RecordId });

/** Revokes a key at once (admin): every request looks the key up, so the next one is refused. A repeat changes nothing. */
export const revokeKey = defineUseCase({
  name: 'api_key.revoke',
  role: 'admin',
  input: RevokeKeyInput,
  async write(tx, input) {
    const key = await lockKey(tx, input.id);
    if (key.revokedAt) return { result: { key, changed: false }, audit: null };
    const { rows } = await tx.query<{ revoked_at: Date }>('UPDATE api_keys SET revoked_at = now() WHERE id = $1 RETURNING revoked_at', [key.id]);
    return { result: { key: { ...key, revokedAt: rows[0]!.revoked_at }, changed: true }, audit: { type: 'api_key.revoked', payload: keyAuditFields(key) } };
  },
});
