import { hash, verify, type Options } from '@node-rs/argon2';

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. `algorithm: 2` is Algorithm.Argon2id,
// a const enum that isolatedModules cannot import as a value.
export const ARGON2ID_OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const satisfies Options;

/**
 * Verified when the email names nobody (or someone without a password), so an unknown
 * address costs the same argon2id work as a wrong password. The hash of 32 random bytes
 * that were thrown away: nothing verifies against it. Same parameters as ARGON2ID_OPTIONS
 * (a test holds them together).
 */
export const DECOY_PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$I2NKwd4QszaOkL0bCkhRCA$UTTc77YNWv0QNSza4nE5QkGJ3MDrjZYvJ4xxQkrS1uU';

/** An argon2id PHC string (parameters and a fresh random salt inside): the only form a password is stored in. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID_OPTIONS);
}

/** Constant-time comparison inside argon2; a malformed stored hash is a mismatch, never a throw. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}
