import { z } from 'zod';
import { KeyringError } from './errors.js';

export const KEY_BYTES = 32;

/**
 * The keys payloads are encrypted with. New payloads always use `activeKeyId`;
 * any key still listed can decrypt what it once encrypted, so rotating means
 * adding a new active key and keeping the old ones until their histories expire.
 */
export interface Keyring {
  activeKeyId: string;
  keys: ReadonlyMap<string, Uint8Array>;
}

const KeyId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, ".", "_" or "-"');
// Strict shape first: Buffer's base64 decoder silently skips characters it does not know.
const KEY_TEXT = /^(?:[A-Za-z0-9+/]{43}=?|[A-Za-z0-9_-]{43})$/;

type KeyEntry = { id: string; bytes: Uint8Array } | { problem: string };

function parseKeyEntry(entry: string): KeyEntry {
  const colon = entry.indexOf(':');
  const id = (colon === -1 ? entry : entry.slice(0, colon)).trim();
  const material = colon === -1 ? '' : entry.slice(colon + 1).trim();
  const idCheck = KeyId.safeParse(id);
  if (!idCheck.success) return { problem: `key id "${id}": ${idCheck.error.issues[0]?.message ?? 'is invalid'}` };
  const bytes = KEY_TEXT.test(material) ? new Uint8Array(Buffer.from(material, /[-_]/.test(material) ? 'base64url' : 'base64')) : undefined;
  if (bytes?.length !== KEY_BYTES) return { problem: `key "${id}": must be ${KEY_BYTES} bytes base64 (e.g. openssl rand -base64 32)` };
  if (bytes.every((b) => b === bytes[0])) return { problem: `key "${id}": looks like a placeholder (every byte the same)` };
  return { id, bytes };
}

/** `k2:<base64 32 bytes>,k1:<base64 32 bytes>`: the first key is active, the rest only decrypt. */
export const KeyringSpec = z.string().transform((spec, ctx): Keyring => {
  const entries = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const problems: string[] = entries.length === 0 ? ['no keys: expected "<id>:<base64 32 bytes>", comma-separated, active key first'] : [];
  const keys = new Map<string, Uint8Array>();
  for (const entry of entries.map(parseKeyEntry)) {
    if ('problem' in entry) problems.push(entry.problem);
    else if (keys.has(entry.id)) problems.push(`key "${entry.id}": listed more than once`);
    else keys.set(entry.id, entry.bytes);
  }
  for (const message of new Set(problems)) ctx.addIssue({ code: 'custom', message });
  if (problems.length > 0) return z.NEVER;
  return { activeKeyId: keys.keys().next().value ?? '', keys };
});

/** Parses a keyring spec, throwing a `KeyringError` that names each problem (never the key material). */
export function parseKeyring(spec: string): Keyring {
  const result = KeyringSpec.safeParse(spec);
  if (!result.success) throw new KeyringError(`invalid payload keyring: ${result.error.issues.map((i) => i.message).join('; ')}`);
  return result.data;
}

/**
 * Payload encryption settings for an app's env.ts. Unset: payloads are stored in
 * plaintext. Set but empty is an error, so a missing secret cannot silently
 * turn encryption off.
 */
export const keyringEnv = z.object({
  AIRLOCK_PAYLOAD_KEYS: KeyringSpec.optional().describe('payload encryption keys "<id>:<base64 32 bytes>,…", active first; unset = no encryption'),
});
export type KeyringEnv = z.infer<typeof keyringEnv>;

/** Checks a keyring built in code the way `parseKeyring` checks a spec. */
export function assertUsableKeyring(keyring: Keyring): void {
  if (!keyring.keys.has(keyring.activeKeyId)) throw new KeyringError(`invalid payload keyring: active key "${keyring.activeKeyId}" is not in the keyring`);
  for (const [id, key] of keyring.keys) {
    if (!KeyId.safeParse(id).success) throw new KeyringError(`invalid payload keyring: key id "${id}" must be 1–64 letters, digits, ".", "_" or "-"`);
    if (key.length !== KEY_BYTES) throw new KeyringError(`invalid payload keyring: key "${id}": must be ${KEY_BYTES} bytes, got ${key.length}`);
  }
}
