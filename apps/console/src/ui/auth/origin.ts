/**
 * CSRF defence for cookie-authenticated writes: the browser's Origin (or, failing
 * that, Referer) must be this console's own origin — the public URL when one is
 * configured, else the Host the request was sent to (either the direct or the
 * forwarded one: a cross-site page can set neither). Next.js checks server actions
 * the same way; route handlers and actions call this explicitly as well.
 */
export function isSameOrigin(headers: Headers, publicUrl?: string): boolean {
  const source = headers.get('origin') ?? refererOrigin(headers.get('referer'));
  if (!source || source === 'null') return false;
  const expected = publicUrl ? [new URL(publicUrl).host] : [headers.get('host'), headers.get('x-forwarded-host')].filter((h): h is string => Boolean(h));
  try {
    return expected.includes(new URL(source).host);
  } catch {
    return false;
  }
}

function refererOrigin(referer: string | null): string | null {
  if (!referer) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}
