import { findUserByIdOrEmail, type UserRecord } from '@airlock/db/users';
import type pg from 'pg';
import { OpsError, rethrowAccountError } from '../ops-error.js';

// Held by each transaction that demotes or disables an admin, until it commits.
const ADMIN_REMOVAL_LOCK = 'users:admin-removal';

export { USER_COLUMNS, toUserRecord, type UserRecord } from '@airlock/db/users';

/**
 * The user `who` names, by id, else by email (case-insensitive, and only one user may have it):
 * every option or field naming a person takes either. The one resolver, `@airlock/db`'s, with its
 * refusal as an OpsError naming `field`. `lock` holds the row for the rest of the transaction.
 */
export async function findUser(client: pg.ClientBase | pg.Pool, who: string, field: string, options: { lock?: boolean } = {}): Promise<UserRecord> {
  return findUserByIdOrEmail(client, who, { field, ...options }).catch(rethrowAccountError);
}

/** By id, else by email (case-insensitive); locked for the rest of the transaction. */
export function lockUser(tx: pg.PoolClient, who: string, field = 'id'): Promise<UserRecord> {
  return findUser(tx, who, field, { lock: true });
}

/**
 * An operator may not lock themselves out of administration by accident, nor leave the tenant without an admin.
 * Every change that takes an admin away waits here for the one before it to commit: locking only the target row,
 * two admins demoting (or disabling) each other at once each counted the other as remaining, and both committed.
 * The count runs once the lock is held, in a fresh snapshot (READ COMMITTED): it sees what the one before committed.
 */
export async function checkAdminsRemain(tx: pg.PoolClient, user: UserRecord, operatorUserId: string | null): Promise<void> {
  if (user.role !== 'admin') return;
  if (user.id === operatorUserId) throw new OpsError('conflict', 'you may not demote or disable yourself; ask another admin', [{ path: 'id', message: 'is you' }]);
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [ADMIN_REMOVAL_LOCK]);
  const { rows } = await tx.query<{ n: string }>("SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1", [user.id]);
  if (Number(rows[0]?.n ?? 0) === 0) throw new OpsError('conflict', `${user.id} is the last active admin`, [{ path: 'id', message: 'is the last active admin' }]);
}
