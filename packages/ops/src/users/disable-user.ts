import { z } from 'zod';
import { Reason, UserRef } from '../fields.js';
import { defineUseCase } from '../use-case.js';
import { checkAdminsRemain, lockUser } from './user-row.js';

export const DisableUserInput = z.strictObject({ id: UserRef, reason: Reason });

/**
 * Disables a person (admin): their keys are revoked and their console sessions
 * end (every request re-reads the user), in one transaction. Their past decisions stay.
 */
export const disableUser = defineUseCase({
  name: 'user.disable',
  role: 'admin',
  input: DisableUserInput,
  async write(tx, input, operator) {
    const user = await lockUser(tx, input.id);
    if (user.disabledAt) return { result: { userId: user.id, revokedKeys: 0, changed: false }, audit: null };
    await checkAdminsRemain(tx, user, operator.userId);
    await tx.query('UPDATE users SET disabled_at = now() WHERE id = $1', [user.id]);
    const revoked = await tx.query('UPDATE api_keys SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [user.id]);
    const revokedKeys = revoked.rowCount ?? 0;
    return { result: { userId: user.id, revokedKeys, changed: true }, audit: { type: 'user.disabled', payload: { userId: user.id, reason: input.reason, revokedKeys } } };
  },
});
