import type { Db } from './client.js';
import type { User } from '../generated/client.js';

/**
 * The id of the one user whose address is `email`, compared without regard to case; null when
 * none is, or when two stored addresses differ only by case (ambiguous, so nobody is chosen).
 *
 * Never Prisma's `equals` with `mode: 'insensitive'`: on PostgreSQL that is ILIKE with the
 * address as the pattern, so a `_` or `%` in an address that an identity provider or Slack
 * vouches for would match somebody else's (`j_hn@corp.example` matching `john@corp.example`).
 */
export async function userIdByEmail(db: Db, email: string): Promise<string | null> {
  return (await oneUserByEmail<{ id: string }>(db, email, 'id'))?.id ?? null;
}

/** The columns of a user a decision needs (who, and with what rights), as stored. */
export interface UserRightsRow {
  id: string;
  name: string;
  role: User['role'];
  disabled_at: Date | null;
}

/** The same user as userIdByEmail, by the same rule, with the columns a decision needs: one statement instead of two. */
export function userRightsByEmail(db: Db, email: string): Promise<UserRightsRow | null> {
  return oneUserByEmail<UserRightsRow>(db, email, 'id, name, role, disabled_at');
}

async function oneUserByEmail<R extends object>(db: Db, email: string, columns: string): Promise<R | null> {
  const { rows } = await db.pool.query<R>(`SELECT ${columns} FROM users WHERE lower(email) = lower($1) LIMIT 2`, [email.trim()]);
  return rows.length === 1 ? rows[0]! : null;
}
