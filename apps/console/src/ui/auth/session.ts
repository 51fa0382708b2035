import { roleAtLeast, type Role } from '@airlock/core';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { apiContext } from '../../api/runtime-context.js';
import { sessionOwner } from './auth-js.js';
import { RETURN_PATH_HEADER, setPasswordPath, signInPath } from './return-path.js';

/** A signed-in person as the console knows them: role and groups fresh from the database. */
export interface ConsoleUser {
  userId: string;
  name: string;
  email: string;
  role: Role;
  /** They have a console password (and so may change it). */
  hasPassword: boolean;
}

/**
 * Where the browser's session stands. `must_change_password`: signed in with a
 * one-time password, which only lets them choose their own (every page and every
 * write refuses until they have).
 */
export type SessionState = { status: 'signed_out' } | { status: 'must_change_password'; user: ConsoleUser } | { status: 'signed_in'; user: ConsoleUser };

const SIGNED_OUT: SessionState = { status: 'signed_out' };

/** The session's person and, for a key session, its key, in one row (the key columns are null without one). */
interface SessionRow {
  id: string;
  name: string;
  email: string;
  role: Role;
  has_password: boolean;
  password_must_change: boolean;
  password_changed_at: Date | null;
  disabled_at: Date | null;
  key_user_id: string | null;
  key_revoked_at: Date | null;
  key_expires_at: Date | null;
}

// One statement for what every page and every write checks first (it was two Prisma reads).
const SESSION_ROW = `
  SELECT u.id, u.name, u.email, u.role::text AS role, u.password_hash IS NOT NULL AS has_password,
         u.password_must_change, u.password_changed_at, u.disabled_at,
         k.user_id AS key_user_id, k.revoked_at AS key_revoked_at, k.expires_at AS key_expires_at
  FROM users u
  LEFT JOIN api_keys k ON k.id = $2
  WHERE u.id = $1`;

/**
 * Re-checked on every request: a revoked or expired key, a deleted or disabled user or a changed
 * password ends the session at once. Cached per request, so a page render (the layout and the
 * page both ask) checks once.
 */
export const sessionState = cache(async (): Promise<SessionState> => sessionStateOf(await headers()));

/** Where the session in these request headers stands, read now: for a stream that outlives its request's cache. */
export async function sessionStateOf(requestHeaders: Headers): Promise<SessionState> {
  const who = await sessionOwner(requestHeaders);
  if (!who) return SIGNED_OUT;
  const row = (await apiContext().db.pool.query<SessionRow>(SESSION_ROW, [who.userId, who.keyId])).rows[0];
  if (!row || row.disabled_at) return SIGNED_OUT;
  // A key session lasts as long as its key: the join finds no key once it is deleted.
  if (who.keyId && (row.key_user_id !== who.userId || row.key_revoked_at || (row.key_expires_at && row.key_expires_at <= new Date()))) return SIGNED_OUT;
  const passwordSession = who.passwordChangedAt !== null;
  // A password session lasts only as long as the password it was opened with.
  if (passwordSession && (!row.has_password || (row.password_changed_at?.getTime() ?? 0) !== who.passwordChangedAt)) return SIGNED_OUT;
  const consoleUser: ConsoleUser = { userId: row.id, name: row.name, email: row.email, role: row.role, hasPassword: row.has_password };
  // Only the password is one-time: someone who signed in with their API key or SSO has proved something else.
  return passwordSession && row.password_must_change ? { status: 'must_change_password', user: consoleUser } : { status: 'signed_in', user: consoleUser };
}

/** The fully signed-in person, or null (also while a one-time password still has to be replaced). */
export async function signedInUser(): Promise<ConsoleUser | null> {
  const state = await sessionState();
  return state.status === 'signed_in' ? state.user : null;
}

/** For pages: the signed-in person with at least `role`, or a redirect to sign in (or to choose a password first). */
export async function requirePageUser(role: Role = 'viewer'): Promise<ConsoleUser> {
  const state = await sessionState();
  if (state.status === 'signed_out') redirect(signInPath((await headers()).get(RETURN_PATH_HEADER)));
  if (state.status === 'must_change_password') redirect(setPasswordPath((await headers()).get(RETURN_PATH_HEADER)));
  if (!roleAtLeast(state.user.role, role)) redirect('/?denied=1');
  return state.user;
}
