import type { Role } from '@airlock/core';
import type pg from 'pg';
import { OpsError, notFound } from '../errors.js';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  groups: string[];
  createdAt: Date;
  disabledAt: Date | null;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  groups: string[];
  created_at: Date;
  disabled_at: Date | null;
}

export const USER_COLUMNS = 'id, email, name, role, groups, created_at, disabled_at';

export function toUserRecord(row: UserRow): UserRecord {
  return { id: row.id, email: row.email, name: row.name, role: row.role, groups: row.groups, createdAt: row.created_at, disabledAt: row.disabled_at };
}

/**
 * The user `who` names, by id, else by email (case-insensitive, and only one user may have it):
 * every option or field naming a person takes either. `lock` holds the row for the rest of the transaction.
 */
export async function findUser(client: pg.ClientBase | pg.Pool, who: string, field: string, options: { lock?: boolean } = {}): Promise<UserRecord> {
  const lock = options.lock ? ' FOR UPDATE' : '';
  const byId = await client.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1${lock}`, [who]);
  if (byId.rows[0]) return toUserRecord(byId.rows[0]);
  const byEmail = await client.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE lower(email) = lower($1)${lock}`, [who]);
  if (byEmail.rows.length > 1) throw new OpsError('conflict', `more than one user has email ${who}; name one by id`, [{ path: field, message: 'is ambiguous' }]);
  if (!byEmail.rows[0]) throw notFound(`no user with id or email "${who}"`, field);
  return toUserRecord(byEmail.rows[0]);
}

/** By id, else by email (case-insensitive); locked for the rest of the transaction. */
export function lockUser(tx: pg.PoolClient, who: string, field = 'id'): Promise<UserRecord> {
  return findUser(tx, who, field, { lock: true });
}

/** An operator may not lock themselves out of administration by accident, nor leave the tenant without an admin. */
export async function checkAdminsRemain(tx: pg.PoolClient, user: UserRecord, operatorUserId: string | null): Promise<void> {
  if (user.role !== 'admin') return;
  if (user.id === operatorUserId) throw new OpsError('conflict', 'you may not demote or disable yourself; ask another admin', [{ path: 'id', message: 'is you' }]);
  const { rows } = await tx.query<{ n: string }>("SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1", [user.id]);
  if (Number(rows[0]?.n ?? 0) === 0) throw new OpsError('conflict', `${user.id} is the last active admin`, [{ path: 'id', message: 'is the last active admin' }]);
}
