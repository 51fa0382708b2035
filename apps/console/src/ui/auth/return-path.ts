/** Set by proxy.ts on every page request: the path (and query) the person asked for, to come back to after signing in. */
export const RETURN_PATH_HEADER = 'x-airlock-return-path';

const BASE = 'http://airlock.invalid';

/**
 * A path on this console to return to after signing in, or undefined. Only a
 * same-origin path is kept (never `//host`, `/\host` or a full URL: no open
 * redirect), and never the sign-in pages themselves.
 */
export function safeReturnPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 1000 || !isLocalPath(value)) return undefined;
  const url = new URL(value, BASE);
  if (url.pathname === '/' || url.pathname.startsWith('/sign-in') || url.pathname.startsWith('/set-password') || url.pathname.startsWith('/api/')) return undefined;
  const path = `${url.pathname}${url.search}`;
  // Resolving dot segments can make a local path leave the origin ('/.//evil.com' is '//evil.com', which a
  // browser reads as another site): the path handed out must pass the same test as the one asked for.
  return isLocalPath(path) ? path : undefined;
}

/** A path a browser resolves on this console: one slash, then not a second slash or backslash (`//host`, `/\host`). */
function isLocalPath(path: string): boolean {
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return false;
  try {
    return new URL(path, BASE).origin === BASE;
  } catch {
    return false;
  }
}

/** Where a signed-out visit to `path` is sent: the sign-in page, remembering the path when there is one worth keeping. */
export function signInPath(path: string | null): string {
  const back = safeReturnPath(path);
  return back ? `/sign-in?next=${encodeURIComponent(back)}` : '/sign-in';
}

/** Where a one-time password session is sent before anything else: choosing a password, then on to `path`. */
export function setPasswordPath(path: string | null): string {
  const back = safeReturnPath(path);
  return back ? `/set-password?next=${encodeURIComponent(back)}` : '/set-password';
}
