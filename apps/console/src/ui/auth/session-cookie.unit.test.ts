import { encode } from 'next-auth/jwt';
import { describe, expect, it } from 'vitest';
import { sessionToken } from './session-cookie.js';

const secret = 'unit-secret-unit-secret-unit-secret-0123';
const PLAIN = 'authjs.session-token';
const SECURE = '__Secure-authjs.session-token';
const claims = { airlockUserId: 'u-alice', airlockKeyId: 'k-1' };

// What Auth.js sets at sign-in: the cookie's name is the encryption key's salt.
const minted = (name: string, maxAge = 3600, payload: Record<string, unknown> = claims) => encode({ token: payload, secret, salt: name, maxAge });
const request = (cookie: string, proto?: string) => new Headers({ cookie, ...(proto ? { 'x-forwarded-proto': proto } : {}) });

describe('the session cookie, read as auth() reads it', () => {
  it('reads the plain cookie over http and the __Secure- one over https', async () => {
    await expect(sessionToken(request(`${PLAIN}=${await minted(PLAIN)}`, 'http'), { secret, authUrl: undefined })).resolves.toMatchObject(claims);
    await expect(sessionToken(request(`${SECURE}=${await minted(SECURE)}`, 'https'), { secret, authUrl: undefined })).resolves.toMatchObject(claims);
    // No forwarded protocol: Auth.js assumes https.
    await expect(sessionToken(request(`${SECURE}=${await minted(SECURE)}`), { secret, authUrl: undefined })).resolves.toMatchObject(claims);
  });

  it('never takes a plain cookie where Auth.js wants the __Secure- one, nor the other way round', async () => {
    await expect(sessionToken(request(`${PLAIN}=${await minted(PLAIN)}`, 'https'), { secret, authUrl: undefined })).resolves.toBeNull();
    await expect(sessionToken(request(`${SECURE}=${await minted(SECURE)}`, 'http'), { secret, authUrl: undefined })).resolves.toBeNull();
    // A token minted under one name does not decrypt under the other (the name is the salt).
    await expect(sessionToken(request(`${SECURE}=${await minted(PLAIN)}`, 'https'), { secret, authUrl: undefined })).resolves.toBeNull();
  });

  it('names the cookie by AUTH_URL when it is set, whatever the request says', async () => {
    const cookie = `${SECURE}=${await minted(SECURE)}`;
    await expect(sessionToken(request(cookie, 'http'), { secret, authUrl: 'https://airlock.example/api/auth' })).resolves.toMatchObject(claims);
    await expect(sessionToken(request(cookie, 'https'), { secret, authUrl: 'http://localhost:3000/api/auth' })).resolves.toBeNull();
  });

  it('refuses an expired, altered or foreign token, and a bearer header', async () => {
    await expect(sessionToken(request(`${PLAIN}=${await minted(PLAIN, -60)}`, 'http'), { secret, authUrl: undefined })).resolves.toBeNull();
    const token = await minted(PLAIN);
    const altered = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    await expect(sessionToken(request(`${PLAIN}=${altered}`, 'http'), { secret, authUrl: undefined })).resolves.toBeNull();
    await expect(sessionToken(request(`${PLAIN}=${token}`, 'http'), { secret: `${secret}-other`, authUrl: undefined })).resolves.toBeNull();
    const bearer = new Headers({ authorization: `Bearer ${token}`, 'x-forwarded-proto': 'http' });
    await expect(sessionToken(bearer, { secret, authUrl: undefined })).resolves.toBeNull();
  });

  it('joins a cookie Auth.js split into chunks', async () => {
    const token = await minted(PLAIN, 3600, { ...claims, padding: 'x'.repeat(5000) });
    const half = Math.ceil(token.length / 2);
    const cookie = `${PLAIN}.1=${token.slice(half)}; ${PLAIN}.0=${token.slice(0, half)}`;
    await expect(sessionToken(request(cookie, 'http'), { secret, authUrl: undefined })).resolves.toMatchObject(claims);
  });
});
