import { randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '@airlock/core';
import type pg from 'pg';
import type { z } from 'zod';
import { appendAuditIn } from '../audit/index.js';
import type { Db } from '../client.js';
import { inTransaction, lockName, sqlState } from '../governance/transaction.js';
import { AccountError, NewLocalUser, parseAccountInput } from './account-input.js';
import { generateOneTimePassword } from './one-time-password.js';
import { hashPassword } from './password-hash.js';
import { findUserByIdOrEmail } from './user-lookup.js';

// Accounts made by an operator (first start, CLI): each gets a one-time password that
// exists only in the return value and must be replaced at its first sign-in.

export interface IssuedPassword {
  user: { id: string; email: string; name: string; role: Role };
  /** Plaintext, shown once; only its argon2id hash is stored. */
  oneTimePassword: string;
}

/** A new user with a one-time password; the row and its `user.created` audit row commit together. `actor` is who made it. */
export async function createLocalUser(db: Db, raw: NewLocalUser, actor: string): Promise<IssuedPassword> {
  const input = parseAccountInput(NewLocalUser, raw);
  const oneTimePassword = generateOneTimePassword();
  // Hashed before the transaction opens: argon2 is deliberately slow, and locks should be short.
  const passwordHash = await hashPassword(oneTimePassword);
  return inTransaction(db, async (client) => {
    const user = await insertLocalUser(client, input, passwordHash);
    await appendAuditIn(client, {
      eventKey: `user:${user.id}:created:${randomUUID()}`,
      type: 'user.created',
      actor,
      payload: { userId: user.id, role: input.role, oneTimePassword: true },
    });
    return { user, oneTimePassword };
  });
}

/**
 * Inserts a user whose password (already hashed) must be changed at first sign-in,
 * inside the caller's transaction (which appends the audit row). `input` is parsed NewLocalUser.
 */
export async function insertLocalUser(client: pg.PoolClient, input: z.output<typeof NewLocalUser>, passwordHash: string): Promise<IssuedPassword['user']> {
  await lockName(client, 'user-email', input.email);
  const clash = await client.query<{ id: string }>('SELECT id FROM users WHERE lower(email) = $1', [input.email]);
  if (clash.rows[0]) throw new AccountError('conflict', `a user with email ${input.email} already exists (id ${clash.rows[0].id})`, [{ path: 'email', message: 'is taken' }]);
  const id = input.id ?? (await freeUserId(client, input.email));
  const name = input.name ?? input.email.slice(0, input.email.indexOf('@'));
  try {
    await client.query(
      `INSERT INTO users (id, email, name, role, password_hash, password_must_change, password_changed_at)
       VALUES ($1, $2, $3, $4::"Role", $5, true, now())`,
      [id, input.email, name, input.role, passwordHash],
    );
  } catch (error) {
    if (sqlState(error) === '23505') throw new AccountError('conflict', `user id "${id}" is taken`, [{ path: 'id', message: 'is taken' }]);
    throw error;
  }
  return { id, email: input.email, name, role: input.role };
}

/**
 * Replaces a user's password with a new one-time password (must change at next
 * sign-in). Every password session of theirs ends, because the change time moves.
 */
export async function issueOneTimePassword(db: Db, idOrEmail: string, actor: string): Promise<IssuedPassword> {
  const who = idOrEmail.trim();
  if (!who) throw new AccountError('invalid', 'name the user by id or email', [{ path: 'user', message: 'is empty' }]);
  const oneTimePassword = generateOneTimePassword();
  const passwordHash = await hashPassword(oneTimePassword);
  return inTransaction(db, async (client) => {
    const user = await resetPasswordIn(client, who, passwordHash);
    await appendAuditIn(client, { eventKey: `user:${user.id}:password_reset:${randomUUID()}`, type: 'user.password_reset', actor, payload: { userId: user.id } });
    return { user, oneTimePassword };
  });
}

/**
 * Inside the caller's transaction (which appends the audit row): the user `who` names (id or
 * email, locked) gets a password (already hashed) they must change at their next sign-in.
 */
export async function resetPasswordIn(client: pg.PoolClient, who: string, passwordHash: string, field = 'user'): Promise<IssuedPassword['user']> {
  const { id, email, name, role } = await findUserByIdOrEmail(client, who, { field, lock: true });
  await client.query('UPDATE users SET password_hash = $2, password_must_change = true, password_changed_at = now() WHERE id = $1', [id, passwordHash]);
  return { id, email, name, role };
}

/** The address's local part as an id when free (readable in the audit log), else with a short random suffix. */
async function freeUserId(client: pg.PoolClient, email: string): Promise<string> {
  const slug =
    email
      .slice(0, email.indexOf('@'))
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 48) || 'user';
  const taken = await client.query('SELECT 1 FROM users WHERE id = $1', [slug]);
  return taken.rowCount === 0 ? slug : `${slug}-${randomBytes(3).toString('hex')}`;
}
