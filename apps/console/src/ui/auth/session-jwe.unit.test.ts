import { decode, encode } from 'next-auth/jwt';
import { describe, expect, it } from 'vitest';
import { decodeSession } from './session-cookie.js';
import { decodeSessionJwe } from './session-jwe.js';

const secret = 'unit-secret-unit-secret-unit-secret-0123';
const PLAIN = 'authjs.session-token';
const SECURE = '__Secure-authjs.session-token';
const claims = { airlockUserId: 'u-alice', airlockKeyId: 'k-1', airlockPasswordChangedAt: 1764806400000 };

// What Auth.js sets at sign-in: the cookie's name is the encryption key's salt.
const minted = (payload: Record<string, unknown> = claims, options: { salt?: string; maxAge?: number; secret?: string } = {}) =>
  encode({ token: payload, secret: options.secret ?? secret, salt: options.salt ?? PLAIN, maxAge: options.maxAge ?? 3600 });

/** Auth.js's own reading, null for a refusal (as getToken turns its throw into null). */
const authJs = (token: string, salt = PLAIN) => decode({ token, secret, salt }).catch(() => null);
/** The console's reading (session-cookie.ts), null for a refusal the same way. */
const consoleRead = (token: string, salt = PLAIN, key: string | string[] = secret) => decodeSession({ token, secret: key, salt }).catch(() => null);

/** Changes one character of segment `index` of a compact JWE. */
function altered(token: string, index: number): string {
  const parts = token.split('.');
  const segment = parts[index] ?? '';
  const at = Math.floor(segment.length / 2);
  parts[index] = `${segment.slice(0, at)}${segment[at] === 'A' ? 'B' : 'A'}${segment.slice(at + 1)}`;
  return parts.join('.');
}

describe('the session cookie, decrypted synchronously', () => {
  it('reads what Auth.js encodes exactly as Auth.js decodes it', async () => {
    const payloads: Record<string, unknown>[] = [
      claims,
      { airlockUserId: 'u-bob', airlockKeyId: null },
      { airlockUserId: 'ü-ñ-😀', name: 'Zoë "quoted" \\ back', nested: { list: [1, 2.5, null, true] } },
      { ...claims, padding: 'x'.repeat(5000) },
      {},
    ];
    for (const salt of [PLAIN, SECURE]) {
      for (const payload of payloads) {
        const token = await minted(payload, { salt });
        const fast = decodeSessionJwe(token, secret, salt);
        expect(fast).toMatchObject(payload);
        expect(fast).toEqual(await authJs(token, salt));
        await expect(consoleRead(token, salt)).resolves.toEqual(fast);
      }
    }
  });

  it('allows expiry and not-before the same 15 s of clock skew Auth.js allows, and no more', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const [token, accepted] of [
      [await minted(claims, { maxAge: -10 }), true],
      [await minted(claims, { maxAge: -60 }), false],
      [await minted({ ...claims, nbf: now + 10 }), true],
      [await minted({ ...claims, nbf: now + 3600 }), false],
    ] as const) {
      const expected = await authJs(token);
      expect(expected !== null).toBe(accepted);
      expect(decodeSessionJwe(token, secret, PLAIN) ?? null).toEqual(expected);
      await expect(consoleRead(token)).resolves.toEqual(expected);
    }
  });

  it('refuses an expired, tampered, foreign or wrong-salt token, and Auth.js refuses it too', async () => {
    const token = await minted();
    const refused = [
      await minted(claims, { maxAge: -60 }),
      // Header (the authenticated data), IV, ciphertext and tag.
      altered(token, 0),
      altered(token, 2),
      altered(token, 3),
      altered(token, 4),
      `${token}A`,
      token.split('.').slice(0, 4).join('.'),
      await minted(claims, { salt: SECURE }),
      await minted(claims, { secret: `${secret}-other` }),
      'not-a-jwe',
      '',
    ];
    for (const bad of refused) {
      expect(decodeSessionJwe(bad, secret, PLAIN)).toBeUndefined();
      expect(await authJs(bad)).toBeNull();
      await expect(consoleRead(bad)).resolves.toBeNull();
    }
  });

  it('leaves a token under a secret list to Auth.js, which reads it the same', async () => {
    const token = await minted();
    await expect(consoleRead(token, PLAIN, [`${secret}-new`, secret])).resolves.toMatchObject(claims);
  });

  it('follows a change of secret in the same process', async () => {
    const other = `${secret}-rotated`;
    expect(decodeSessionJwe(await minted(), secret, PLAIN)).toMatchObject(claims);
    expect(decodeSessionJwe(await minted(claims, { secret: other }), other, PLAIN)).toMatchObject(claims);
    expect(decodeSessionJwe(await minted(), other, PLAIN)).toBeUndefined();
    expect(decodeSessionJwe(await minted(), secret, PLAIN)).toMatchObject(claims);
  });
});
