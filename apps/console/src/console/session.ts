import { roleAtLeast, type Role } from '@airlock/core';
import { redirect } from 'next/navigation';
import { apiContext } from '../server/runtime-context.js';
import { auth } from './auth.js';

/** A signed-in person as the console knows them: role and groups fresh from the database. */
export interface ConsoleUser {
  userId: string;
  name: string;
  email: string;
  role: Role;
}

/** The signed-in person, re-checked on every request: a revoked key or a deleted user ends the session at once. */
export async function signedInUser(): Promise<ConsoleUser | null> {
  const session = await auth();
  const who = session?.airlock;
  if (!who) return null;
  const { prisma } = apiContext().db;
  if (who.keyId) {
    const key = await prisma.apiKey.findUnique({ where: { id: who.keyId }, select: { userId: true, revokedAt: true } });
    if (!key || key.revokedAt || key.userId !== who.userId) return null;
  }
  const user = await prisma.user.findUnique({ where: { id: who.userId }, select: { id: true, name: true, email: true, role: true } });
  return user ? { userId: user.id, name: user.name, email: user.email, role: user.role } : null;
}

/** For pages: the signed-in person with at least `role`, or a redirect to sign in. */
export async function requirePageUser(role: Role = 'viewer'): Promise<ConsoleUser> {
  const user = await signedInUser();
  if (!user) redirect('/sign-in');
  if (!roleAtLeast(user.role, role)) redirect('/?denied=1');
  return user;
}
