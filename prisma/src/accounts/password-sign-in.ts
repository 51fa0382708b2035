import { randomUUID } from 'node:crypto';
import { sha256Hex } from '@airlock/core/hashing';
import { appendAudit } from '../audit.js';
import type { Db } from '../client.js';
import { DECOY_PASSWORD_HASH, verifyPassword } from './password-hash.js';

export type PasswordSignIn =
  | {
      ok: true;
      userId: string;
      name: string;
      mustChangePassword: boolean;
      /** Goes into the session: a later change or reset of the password ends it. */
      passwordChangedAt: number;
    }
  | { ok: false };

/**
 * Email + password sign-in. Unknown emails, users without a password and wrong
 * passwords all cost one argon2id verification and one audit row, and all give the
 * same `{ ok: false }`: neither the answer nor its timing tells which it was.
 */
export async function signInWithPassword(db: Db, email: string, password: string): Promise<PasswordSignIn> {
  const user = await db.prisma.user.findFirst({
    where: { email: { equals: email.trim(), mode: 'insensitive' } },
    select: { id: true, name: true, passwordHash: true, passwordMustChange: true, passwordChangedAt: true },
  });
  const matches = await verifyPassword(user?.passwordHash ?? DECOY_PASSWORD_HASH, password);
  if (user?.passwordHash && matches) {
    await appendAudit(db, {
      eventKey: `user:${user.id}:signed_in:${randomUUID()}`,
      type: 'user.signed_in',
      actor: `user:${user.id}`,
      payload: { method: 'password', mustChangePassword: user.passwordMustChange },
    });
    return { ok: true, userId: user.id, name: user.name, mustChangePassword: user.passwordMustChange, passwordChangedAt: user.passwordChangedAt?.getTime() ?? 0 };
  }
  const reason = !user ? 'unknown_email' : user.passwordHash ? 'wrong_password' : 'no_password';
  await appendAudit(db, {
    eventKey: `sign-in:failed:${randomUUID()}`,
    type: 'user.sign_in_failed',
    actor: user ? `user:${user.id}` : 'anonymous',
    // An unknown address is kept only as a digest: enough to see repeated attempts on one name,
    // while whatever was typed (sometimes a password in the wrong field) never enters the append-only log.
    payload: { method: 'password', reason, ...(user ? {} : { emailSha256: sha256Hex(email.trim().toLowerCase()) }) },
  });
  return { ok: false };
}
