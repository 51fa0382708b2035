import type { Role } from '@airlock/core';
import type pg from 'pg';
import { AccountError } from './account-input.js';

// The one way a person is named by an operator (the CLI's arguments and --by, the REST API's
// user fields, Slack links): by id or by email. Exported from `@airlock/db` and `@airlock/db/users`,
// not the accounts subpath: it needs no argon2.

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  groups: string[];
  createdAt: Date;
  disabledAt: Date | null;
}

export interface UserRow {
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
 * The user `who` names: by id (exact), else by email (case-insensitive; only one user may have
 * it). A refusal is an AccountError whose issue names `field`, the caller's name for the input.
 * `lock` holds the row for the rest of the transaction.
 */
export async function findUserByIdOrEmail(client: pg.ClientBase | pg.Pool, who: string, options: { field?: string; lock?: boolean } = {}): Promise<UserRecord> {
  const field = options.field ?? 'user';
  const lock = options.lock ? ' FOR UPDATE' : '';
  const byId = await client.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1${lock}`, [who]);
  if (byId.rows[0]) return toUserRecord(byId.rows[0]);
  const byEmail = await client.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE lower(email) = lower($1) ORDER BY id${lock}`, [who]);
  if (byEmail.rows.length > 1) {
    throw new AccountError('conflict', `more than one user has email ${who} (ids ${byEmail.rows.map((r) => r.id).join(', ')}); name one by id`, [
      { path: field, message: 'is ambiguous' },
    ]);
  }
  if (!byEmail.rows[0]) {
    const message = `no user with id or email "${who}"`;
    throw new AccountError('not_found', message, [{ path: field, message }]);
  }
  return toUserRecord(byEmail.rows[0]);
}
