import type { Db } from './client.js';

/**
 * The id of the one user whose address is `email`, compared without regard to case; null when
 * none is, or when two stored addresses differ only by case (ambiguous, so nobody is chosen).
 *
 * Never Prisma's `equals` with `mode: 'insensitive'`: on PostgreSQL that is ILIKE with the
 * address as the pattern, so a `_` or `%` in an address that an identity provider or Slack
 * vouches for would match somebody else's (`j_hn@corp.example` matching `john@corp.example`).
 */
export async function userIdByEmail(db: Db, email: string): Promise<string | null> {
  const { rows } = await db.pool.query<{ id: string }>('SELECT id FROM users WHERE lower(email) = lower($1) LIMIT 2', [email.trim()]);
  return rows.length === 1 ? rows[0]!.id : null;
}
