import { decode, getToken, type JWT, type JWTDecodeParams } from 'next-auth/jwt';
import { decodeSessionJwe } from './session-jwe.js';

/**
 * The claims of the request's Auth.js session cookie, read the way Auth.js reads it for
 * `auth()`: the same cookie (chunks included), decrypted with the same secret (the cookie's
 * name is the key's salt), refused once expired or altered. Null when there is none.
 *
 * On the server `auth()` runs a whole Auth.js request for this: it also makes a CSRF token
 * (a random value and a SHA-256) and encrypts the session again for a refreshed cookie that
 * a server component or action never sends, a few milliseconds in front of every decision.
 */
export async function sessionToken(requestHeaders: Headers, options: { secret: string; authUrl: string | undefined }): Promise<JWT | null> {
  // Only the cookie: getToken would also take a bearer token, which auth() never reads.
  const req = { headers: { cookie: requestHeaders.get('cookie') ?? '' } };
  return getToken({ req, secret: options.secret, secureCookie: usesSecureCookies(requestHeaders, options.authUrl), decode: decodeSession });
}

/**
 * Auth.js's own cookie lookup (name, chunks), with the decryption done synchronously and its key
 * derived once (session-jwe.ts); any token that path does not accept goes to Auth.js's `decode`.
 */
export async function decodeSession(params: JWTDecodeParams): Promise<JWT | null> {
  const fast = params.token && typeof params.secret === 'string' ? decodeSessionJwe(params.token, params.secret, params.salt) : undefined;
  return fast ?? decode(params);
}

/**
 * Auth.js names the session cookie `__Secure-authjs.session-token` when the URL it builds for
 * its session request is https: AUTH_URL when set, else the forwarded protocol (https when the
 * request names none). The `__Secure-` prefix keeps a cookie set over plain HTTP out.
 */
function usesSecureCookies(requestHeaders: Headers, authUrl: string | undefined): boolean {
  const protocol = authUrl ? new URL(authUrl).protocol : (requestHeaders.get('x-forwarded-proto') ?? 'https');
  return protocol.replace(/:$/, '') === 'https';
}
