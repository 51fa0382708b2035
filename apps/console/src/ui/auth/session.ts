import { roleAtLeast, type Role } from '@airlock/core';
import { redirect } from 'next/navigation';
import { apiContext } from '../../api/runtime-context.js';
import { auth } from './auth-js.js';

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

/** Re-checked on every request: a revoked or expired key, a deleted or disabled user or a changed password ends the session at once. */
export async function sessionState(): Promise<SessionState> {
  const session = await auth();
  const who = session?.airlock;
  if (!who) return SIGNED_OUT;
  const { prisma } = apiContext().db;
  if (who.keyId) {
    const key = await prisma.apiKey.findUnique({ where: { id: who.keyId }, select: { userId: true, revokedAt: true, expiresAt: true } });
    if (!key || key.revokedAt || key.userId !== who.userId || (key.expiresAt && key.expiresAt <= new Date())) return SIGNED_OUT;
  }
  const user = await prisma.user.findUnique({
    where: { id: who.userId },
    select: { id: true, name: true, email: true, role: true, passwordHash: true, passwordMustChange: true, passwordChangedAt: true, disabledAt: true },
  });
  if (!user || user.disabledAt) return SIGNED_OUT;
  const passwordSession = who.passwordChangedAt !== null;
  // A password session lasts only as long as the password it was opened with.
  if (passwordSession && (!user.passwordHash || (user.passwordChangedAt?.getTime() ?? 0) !== who.passwordChangedAt)) return SIGNED_OUT;
  const consoleUser: ConsoleUser = { userId: user.id, name: user.name, email: user.email, role: user.role, hasPassword: user.passwordHash !== null };
  // Only the password is one-time: someone who signed in with their API key or SSO has proved something else.
  return passwordSession && user.passwordMustChange ? { status: 'must_change_password', user: consoleUser } : { status: 'signed_in', user: consoleUser };
}

/** The fully signed-in person, or null (also while a one-time password still has to be replaced). */
export async function signedInUser(): Promise<ConsoleUser | null> {
  const state = await sessionState();
  return state.status === 'signed_in' ? state.user : null;
}

/** For pages: the signed-in person with at least `role`, or a redirect to sign in (or to choose a password first). */
export async function requirePageUser(role: Role = 'viewer'): Promise<ConsoleUser> {
  const state = await sessionState();
  if (state.status === 'signed_out') redirect('/sign-in');
  if (state.status === 'must_change_password') redirect('/set-password');
  if (!roleAtLeast(state.user.role, role)) redirect('/?denied=1');
  return state.user;
}
