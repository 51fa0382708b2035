/** The `name=value` pairs of a response's Set-Cookie headers. */
function cookiesOf(response: Response): string[] {
  return response.headers.getSetCookie().map((c) => c.split(';')[0]!);
}

/**
 * Signs in the way a browser does, through Auth.js's own endpoints: the CSRF
 * token (and its cookie), then the API-key credentials callback, which answers
 * with the session cookie. Returns the Cookie header for page requests.
 */
export async function signIn(baseUrl: string, apiKey: string): Promise<string> {
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookies = cookiesOf(csrf);
  const callback = await fetch(`${baseUrl}/api/auth/callback/api-key`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookies.join('; '), origin: baseUrl },
    body: new URLSearchParams({ csrfToken, apiKey, callbackUrl: `${baseUrl}/` }),
  });
  const session = cookiesOf(callback).find((c) => c.includes('session-token='));
  if (!session) throw new Error(`sign-in failed: HTTP ${callback.status} ${callback.headers.get('location') ?? ''}`);
  return session;
}
