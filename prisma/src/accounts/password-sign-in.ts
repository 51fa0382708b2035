import { randomUUID } from 'node:crypto';
import { sha256Hex } from '@airlock/core/hashing';
import { appendAudit } from '../audit/index.js';
import { consumeRateLimit } from '../governance/rate-limits.js';
import type { Db } from '../client.js';
import { userIdByEmail } from '../user-by-email.js';
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
  | { ok: false; throttled: boolean };

/**
 * Online guessing is bounded per email address (whatever was typed, known or not):
 * this many attempts per window, then refusals without a password check. The first
 * refusal in a window is audited; later ones are not, so a flood cannot grow the log.
 */
export const SIGN_IN_ATTEMPTS = { limit: 10, windowMs: 15 * 60_000 } as const;

/**
 * Email + password sign-in. Unknown emails, users without a password and wrong
 * passwords all cost one argon2id verification and one audit row, and all give the
 * same `{ ok: false }`: neither the answer nor its timing tells which it was.
 */
export async function signInWithPassword(db: Db, email: string, password: string, now = new Date()): Promise<PasswordSignIn> {
  const emailSha256 = sha256Hex(email.trim().toLowerCase());
  const counter = `sign-in:${emailSha256}`;
  const attempt = await consumeRateLimit(db, { key: counter, actionId: randomUUID(), limit: SIGN_IN_ATTEMPTS.limit, windowMs: SIGN_IN_ATTEMPTS.windowMs, at: now });
  if (!attempt.allowed) {
    const firstRefusal = await consumeRateLimit(db, { key: `${counter}:refused`, actionId: randomUUID(), limit: 1, windowMs: SIGN_IN_ATTEMPTS.windowMs, at: now });
    if (firstRefusal.allowed) {
      await appendAudit(db, {
        eventKey: `sign-in:throttled:${randomUUID()}`,
        type: 'user.sign_in_throttled',
        actor: 'anonymous',
        payload: { method: 'password', emailSha256, attempts: attempt.count, windowSeconds: SIGN_IN_ATTEMPTS.windowMs / 1000 },
      });
    }
    return { ok: false, throttled: true };
  }
  const userId = await userIdByEmail(db, email);
  const user = userId
    ? await db.prisma.user.findUnique({
        where: { id: userId },
        select: { id: true, name: true, passwordHash: true, passwordMustChange: true, passwordChangedAt: true, disabledAt: true },
      })
    : null;
  const matches = await verifyPassword(user?.passwordHash ?? DECOY_PASSWORD_HASH, password);
  if (user?.passwordHash && matches && !user.disabledAt) {
    await appendAudit(db, {
      eventKey: `user:${user.id}:signed_in:${randomUUID()}`,
      type: 'user.signed_in',
      actor: `user:${user.id}`,
      payload: { method: 'password', mustChangePassword: user.passwordMustChange },
    });
    return { ok: true, userId: user.id, name: user.name, mustChangePassword: user.passwordMustChange, passwordChangedAt: user.passwordChangedAt?.getTime() ?? 0 };
  }
  const reason = !user ? 'unknown_email' : user.disabledAt ? 'disabled' : user.passwordHash ? 'wrong_password' : 'no_password';
  await appendAudit(db, {
    eventKey: `sign-in:failed:${randomUUID()}`,
    type: 'user.sign_in_failed',
    actor: user ? `user:${user.id}` : 'anonymous',
    // An unknown address is kept only as a digest: enough to see repeated attempts on one name,
    // while whatever was typed (sometimes a password in the wrong field) never enters the append-only log.
    payload: { method: 'password', reason, ...(user ? {} : { emailSha256 }) },
  });
  return { ok: false, throttled: false };
}
