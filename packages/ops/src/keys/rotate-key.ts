import { z } from 'zod';
import { OpsError } from '../errors.js';
import { ExpiresAt, RecordId } from '../fields.js';
import { defineUseCase } from '../use-case.js';
import { insertKey, keyAuditFields, lockKey } from './key-row.js';

export const RotateKeyInput = z.strictObject({ id: RecordId, expiresAt: ExpiresAt.optional() });

/**
 * Replaces a key (admin): the old one is revoked and a new one with the same
 * owner and name minted in one transaction, so there is never a moment with both or neither.
 */
export const rotateKey = defineUseCase({
  name: 'api_key.rotate',
  role: 'admin',
  input: RotateKeyInput,
  async write(tx, input) {
    const old = await lockKey(tx, input.id);
    if (old.revokedAt) throw new OpsError('conflict', `API key ${old.prefix}… (${old.id}) is revoked; mint a new one instead`, [{ path: 'id', message: 'is revoked' }]);
    // The replacement keeps the old key's expiry unless given one: an expired key's would mint a secret refused at once.
    if (!input.expiresAt && old.expiresAt && old.expiresAt.getTime() <= Date.now()) {
      throw new OpsError('conflict', `API key ${old.prefix}… (${old.id}) expired at ${old.expiresAt.toISOString()}; give its replacement an expiresAt in the future`, [
        { path: 'expiresAt', message: 'the key being replaced has expired: give one in the future' },
      ]);
    }
    await tx.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [old.id]);
    const minted = await insertKey(tx, { agentId: old.agentId, userId: old.userId }, old.name, input.expiresAt ?? old.expiresAt);
    return { result: minted, audit: { type: 'api_key.rotated', payload: { ...keyAuditFields(minted.key), replacedKeyId: old.id, replacedPrefix: old.prefix } } };
  },
});
