import { randomUUID } from 'node:crypto';
import { appendAudit, appendAuditIn } from '../audit/index.js';
import type { Db } from '../client.js';
import { inTransaction } from '../governance/transaction.js';
import { NewPassword, parseAccountInput } from './account-input.js';
import { DECOY_PASSWORD_HASH, hashPassword, verifyPassword } from './password-hash.js';

export type PasswordChange = { ok: true } | { ok: false; reason: 'wrong_password' | 'same_password' | 'changed_meanwhile' };

/**
 * A person replaces their own password (a one-time one included), proving the
 * current one. Clears must-change and moves the change time, which ends every
 * other password session of theirs. The new password is checked (AccountError).
 */
export async function changeOwnPassword(db: Db, userId: string, currentPassword: string, newPassword: string): Promise<PasswordChange> {
  const next = parseAccountInput(NewPassword, newPassword);
  if (next === currentPassword) return { ok: false, reason: 'same_password' };
  const user = await db.prisma.user.findUnique({ where: { id: userId }, select: { passwordHash: true } });
  const storedHash = user?.passwordHash ?? null;
  if (!(await verifyPassword(storedHash ?? DECOY_PASSWORD_HASH, currentPassword)) || !storedHash) {
    await appendAudit(db, {
      eventKey: `user:${userId}:password_change_failed:${randomUUID()}`,
      type: 'user.password_change_failed',
      actor: `user:${userId}`,
      payload: { reason: 'wrong_password' },
    });
    return { ok: false, reason: 'wrong_password' };
  }
  const nextHash = await hashPassword(next);
  return inTransaction(db, async (client) => {
    // Only over the hash that was verified: a reset in between wins, and this change is refused.
    const updated = await client.query('UPDATE users SET password_hash = $3, password_must_change = false, password_changed_at = now() WHERE id = $1 AND password_hash = $2', [
      userId,
      storedHash,
      nextHash,
    ]);
    if (updated.rowCount !== 1) return { ok: false, reason: 'changed_meanwhile' } as const;
    await appendAuditIn(client, { eventKey: `user:${userId}:password_changed:${randomUUID()}`, type: 'user.password_changed', actor: `user:${userId}`, payload: {} });
    return { ok: true } as const;
  });
}
