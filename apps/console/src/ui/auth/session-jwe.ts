import { createDecipheriv, createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * A synchronous reading of the session cookie Auth.js writes (`@auth/core/jwt`'s `encode`): a
 * compact JWE, `alg: dir`, `enc: A256CBC-HS512`, `kid` the key's JWK thumbprint, its key 64
 * bytes of HKDF-SHA256 from the secret with the cookie's name as salt and
 * `Auth.js Generated Encryption Key (<salt>)` as info.
 *
 * Auth.js's `decode` derives that key again on every request and decrypts through `jose`, whose
 * every step is a WebCrypto promise (key import, HMAC, AES-CBC) and so a trip through the thread
 * pool each; `jose` has no synchronous decryption, so this path uses node:crypto's synchronous
 * primitives, and derives the key and its thumbprint once per secret and salt.
 *
 * It only ever accepts: `undefined` means "not this shape, or it did not decrypt or validate",
 * and the caller then asks Auth.js's own `decode`, whose answer (usually a refusal) stands. So a
 * token of any other shape (another `enc`, another header parameter, a non-canonical encoding)
 * costs the old path and reads exactly as before.
 */
export function decodeSessionJwe(token: string, secret: string, salt: string, nowSeconds = Math.floor(Date.now() / 1000)): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 5) return undefined;
  const [encodedHeader, encryptedKey, encodedIv, encodedCiphertext, encodedTag] = parts as [string, string, string, string, string];
  // `dir`: the key is the secret's own, so the JWE's encrypted key is empty.
  if (encryptedKey !== '') return undefined;
  const header = jsonObject(canonicalBase64url(encodedHeader));
  if (!header || !isAuthJsHeader(header)) return undefined;
  const key = derivedKey(secret, salt);
  if (header.kid !== undefined && header.kid !== key.thumbprint) return undefined;
  const iv = canonicalBase64url(encodedIv);
  const ciphertext = canonicalBase64url(encodedCiphertext);
  const tag = canonicalBase64url(encodedTag);
  if (iv?.length !== 16 || !ciphertext || ciphertext.length === 0 || ciphertext.length % 16 !== 0 || tag?.length !== 32) return undefined;
  const plaintext = decryptCbcHmac(key.cek, Buffer.from(encodedHeader, 'ascii'), iv, ciphertext, tag);
  if (!plaintext) return undefined;
  const claims = jsonObject(plaintext);
  return claims && claimsCurrent(claims, nowSeconds) ? claims : undefined;
}

const ENC = 'A256CBC-HS512';
const HEADER_KEYS = new Set(['alg', 'enc', 'kid']);
/** What Auth.js's decode allows for `exp` and `nbf` (its `clockTolerance`). */
const CLOCK_TOLERANCE_SECONDS = 15;

function isAuthJsHeader(header: Record<string, unknown>): header is { alg: 'dir'; enc: typeof ENC; kid?: string } {
  // Any other parameter (zip, crit, a replicated claim) is left to jose's rules.
  if (!Object.keys(header).every((name) => HEADER_KEYS.has(name))) return false;
  return header.alg === 'dir' && header.enc === ENC && (header.kid === undefined || typeof header.kid === 'string');
}

interface DerivedKey {
  secret: string;
  cek: Buffer;
  thumbprint: string;
}

/** One per salt (the plain and the `__Secure-` cookie name); a different secret replaces it. */
const keys = new Map<string, DerivedKey>();

function derivedKey(secret: string, salt: string): DerivedKey {
  const known = keys.get(salt);
  if (known?.secret === secret) return known;
  // As @auth/core/jwt's getDerivedEncryptionKey for A256CBC-HS512 (64 bytes).
  const cek = Buffer.from(hkdfSync('sha256', secret, salt, `Auth.js Generated Encryption Key (${salt})`, 64));
  // RFC 7638 thumbprint of { kty: 'oct', k }, members in lexical order, SHA-512 (as Auth.js asks jose for a 64-byte key).
  const thumbprint = createHash('sha512')
    .update(JSON.stringify({ k: cek.toString('base64url'), kty: 'oct' }))
    .digest('base64url');
  const derived = { secret, cek, thumbprint };
  keys.set(salt, derived);
  return derived;
}

/**
 * RFC 7518 5.2.2.2 with A256CBC-HS512: the first half of the key authenticates (HMAC-SHA-512 over
 * AAD, IV, ciphertext and the AAD's bit length, truncated to 32 bytes), the second decrypts
 * (AES-256-CBC, PKCS #7). The tag is checked, in constant time, before anything is decrypted.
 */
function decryptCbcHmac(cek: Buffer, aad: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer): Buffer | undefined {
  const aadBits = Buffer.alloc(8);
  aadBits.writeBigUInt64BE(BigInt(aad.length * 8));
  const expected = createHmac('sha512', cek.subarray(0, 32)).update(aad).update(iv).update(ciphertext).update(aadBits).digest().subarray(0, 32);
  if (!timingSafeEqual(expected, tag)) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-cbc', cek.subarray(32), iv);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The bytes of a base64url segment written the one way an encoder writes it (no padding, no stray bits); else undefined. */
function canonicalBase64url(segment: string): Buffer | undefined {
  if (!BASE64URL.test(segment)) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A top-level JSON object from strict UTF-8, as jose requires of a header and a claims set. */
function jsonObject(bytes: Buffer | undefined): Record<string, unknown> | undefined {
  if (!bytes) return undefined;
  try {
    const value: unknown = JSON.parse(utf8.decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** jose's checks with Auth.js's options: `iat`, `nbf` and `exp` numbers when present, not yet valid or expired refused. */
function claimsCurrent(claims: Record<string, unknown>, now: number): boolean {
  const { iat, nbf, exp } = claims;
  if (iat !== undefined && typeof iat !== 'number') return false;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + CLOCK_TOLERANCE_SECONDS)) return false;
  if (exp !== undefined && (typeof exp !== 'number' || exp <= now - CLOCK_TOLERANCE_SECONDS)) return false;
  return true;
}
