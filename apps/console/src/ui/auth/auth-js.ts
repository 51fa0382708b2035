import { randomBytes } from 'node:crypto';
import { userIdByEmail } from '@airlock/db';
import { signInWithPassword } from '@airlock/db/accounts';
import NextAuth, { CredentialsSignin, type NextAuthConfig } from 'next-auth';
import type { JWT } from 'next-auth/jwt';
import Credentials from 'next-auth/providers/credentials';
import type { Provider } from 'next-auth/providers';
import { z } from 'zod';
import { authConfigEnv } from '../../env.js';
import { principalForKey } from '../../api/auth.js';
import { apiContext } from '../../api/runtime-context.js';
import { sessionToken } from './session-cookie.js';

/** Who a session cookie belongs to; role, key revocation and password changes are re-checked against the database on every request. */
export interface SessionOwner {
  userId: string;
  keyId: string | null;
  passwordChangedAt: number | null;
}

declare module 'next-auth' {
  interface Session {
    airlock?: SessionOwner;
  }
  interface User {
    /** Password sign-ins only: when the password was set, so a later change or reset ends the session. */
    passwordChangedAt?: number;
  }
}
declare module '@auth/core/jwt' {
  interface JWT {
    airlockUserId?: string;
    airlockKeyId?: string | null;
    /** Set only for password sessions. */
    airlockPasswordChangedAt?: number;
  }
}

export const API_KEY_PROVIDER = 'api-key';
export const PASSWORD_PROVIDER = 'password';
export const OIDC_PROVIDER = 'oidc';
const SESSION_SECONDS = 8 * 60 * 60;

class UnknownKey extends CredentialsSignin {
  override code = 'unknown_key';
}

// One refusal for unknown email, no password and wrong password alike.
class WrongPassword extends CredentialsSignin {
  override code = 'wrong_password';
}

export const THROTTLED = 'throttled';

/** Too many attempts for this email address in the window (said plainly: it reveals nothing about the account). */
class SignInThrottled extends CredentialsSignin {
  override code = THROTTLED;
}

const PasswordCredentials = z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(1024) });

// Without AUTH_SECRET the embedded default still works: sessions simply end when the console restarts.
const fallbackSecret = randomBytes(32).toString('base64url');

const sessionSecret = (): string => authConfigEnv().AUTH_SECRET ?? fallbackSecret;

function ownerOf(token: JWT): SessionOwner | null {
  return token.airlockUserId ? { userId: token.airlockUserId, keyId: token.airlockKeyId ?? null, passwordChangedAt: token.airlockPasswordChangedAt ?? null } : null;
}

function providers(): Provider[] {
  const env = authConfigEnv();
  const list: Provider[] = [
    Credentials({
      id: API_KEY_PROVIDER,
      name: 'API key',
      credentials: { apiKey: { label: 'API key', type: 'password' } },
      // The "user" handed to Auth.js is the key: its id is kept so revoking the key ends the session.
      async authorize(credentials) {
        const key = typeof credentials.apiKey === 'string' ? credentials.apiKey.trim() : '';
        const principal = key ? await principalForKey(apiContext().db, key) : null;
        if (principal?.kind !== 'user') throw new UnknownKey();
        return { id: principal.keyId, name: principal.name };
      },
    }),
    Credentials({
      id: PASSWORD_PROVIDER,
      name: 'Email and password',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      // Audited (success and failure) inside signInWithPassword; a one-time password signs in too, and the pages then insist on a new one.
      async authorize(credentials) {
        const parsed = PasswordCredentials.safeParse(credentials);
        if (!parsed.success) throw new WrongPassword();
        const result = await signInWithPassword(apiContext().db, parsed.data.email, parsed.data.password);
        if (!result.ok) throw result.throttled ? new SignInThrottled() : new WrongPassword();
        return { id: result.userId, name: result.name, passwordChangedAt: result.passwordChangedAt };
      },
    }),
  ];
  if (env.AIRLOCK_OIDC_ISSUER && env.AIRLOCK_OIDC_CLIENT_ID && env.AIRLOCK_OIDC_CLIENT_SECRET) {
    list.push({
      id: OIDC_PROVIDER,
      name: env.AIRLOCK_OIDC_NAME,
      type: 'oidc',
      issuer: env.AIRLOCK_OIDC_ISSUER,
      clientId: env.AIRLOCK_OIDC_CLIENT_ID,
      clientSecret: env.AIRLOCK_OIDC_CLIENT_SECRET,
      checks: ['pkce', 'state', 'nonce'],
    });
  }
  return list;
}

/** Which sign-in methods the sign-in page offers. */
export function oidcProviderName(): string | null {
  const env = authConfigEnv();
  return env.AIRLOCK_OIDC_ISSUER ? env.AIRLOCK_OIDC_NAME : null;
}

async function userIdForEmail(email: unknown, verified: unknown): Promise<string | null> {
  // Only an address the identity provider vouches for may name an Airlock user. A missing claim vouches for nothing:
  // some providers leave it out and let people edit their address. (A few send the claim as the string "true".)
  if (typeof email !== 'string' || (verified !== true && verified !== 'true')) return null;
  return userIdByEmail(apiContext().db, email);
}

function config(): NextAuthConfig {
  return {
    secret: sessionSecret(),
    trustHost: true,
    providers: providers(),
    session: { strategy: 'jwt', maxAge: SESSION_SECONDS },
    pages: { signIn: '/sign-in', error: '/sign-in' },
    callbacks: {
      async signIn({ account, profile }) {
        if (account?.provider !== OIDC_PROVIDER) return true;
        return (await userIdForEmail(profile?.email, profile?.email_verified)) !== null;
      },
      async jwt({ token, account, user, profile }) {
        if (account?.provider === API_KEY_PROVIDER && user.id) {
          const row = await apiContext().db.prisma.apiKey.findUnique({ where: { id: user.id }, select: { userId: true } });
          if (row?.userId) Object.assign(token, { airlockUserId: row.userId, airlockKeyId: user.id });
        } else if (account?.provider === PASSWORD_PROVIDER && user.id && user.passwordChangedAt !== undefined) {
          Object.assign(token, { airlockUserId: user.id, airlockKeyId: null, airlockPasswordChangedAt: user.passwordChangedAt });
        } else if (account?.provider === OIDC_PROVIDER) {
          const userId = await userIdForEmail(profile?.email, profile?.email_verified);
          if (userId) Object.assign(token, { airlockUserId: userId, airlockKeyId: null });
        }
        return token;
      },
      session({ session, token }) {
        const owner = ownerOf(token);
        if (owner) session.airlock = owner;
        return session;
      },
    },
  };
}

// Lazy: configuration is read on the first request, never at build time.
export const { handlers, auth, signIn, signOut } = NextAuth(() => config());

/** The owner of the request's session cookie, as `auth()` gives it in `session.airlock` (session-cookie.ts). Null without a valid one. */
export async function sessionOwner(requestHeaders: Headers): Promise<SessionOwner | null> {
  const env = authConfigEnv();
  const token = await sessionToken(requestHeaders, { secret: sessionSecret(), authUrl: env.AUTH_URL ?? env.NEXTAUTH_URL });
  return token ? ownerOf(token) : null;
}
