import { cookies, headers } from 'next/headers';
import { consoleConfig } from '../env.js';
import { principalForKey, type UserPrincipal } from '../server/auth.js';
import { apiContext } from '../server/runtime-context.js';

// Until Auth.js arrives the session is the person's own API key, kept where page scripts cannot read it.
const SESSION_COOKIE = 'airlock_session';
const SESSION_SECONDS = 8 * 60 * 60;

/** The signed-in person, re-checked on every request so a revoked key ends the session at once. */
export async function signedInUser(): Promise<UserPrincipal | null> {
  const key = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!key) return null;
  const principal = await principalForKey(apiContext().db, key);
  return principal?.kind === 'user' ? principal : null;
}

export async function startSession(key: string): Promise<void> {
  (await cookies()).set(SESSION_COOKIE, key, {
    httpOnly: true,
    sameSite: 'strict',
    secure: await servedOverHttps(),
    path: '/',
    maxAge: SESSION_SECONDS,
  });
}

export async function endSession(): Promise<void> {
  (await cookies()).delete(SESSION_COOKIE);
}

async function servedOverHttps(): Promise<boolean> {
  const publicUrl = consoleConfig().AIRLOCK_PUBLIC_URL;
  if (publicUrl) return publicUrl.startsWith('https:');
  return (await headers()).get('x-forwarded-proto') === 'https';
}
