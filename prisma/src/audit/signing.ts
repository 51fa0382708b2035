import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '@airlock/core/canonical-json';

/** A signed statement "the chain's row `seq` has hash `hash`", the n-th such statement (1, 2, 3, … without gaps). */
export interface AuditCheckpoint {
  n: number;
  seq: number;
  hash: string;
  /** ISO 8601 with milliseconds and Z. */
  signedAt: string;
  keyId: string;
  /** Ed25519 over checkpointMessage(...), base64. */
  signature: string;
}

export type UnsignedCheckpoint = Omit<AuditCheckpoint, 'keyId' | 'signature'>;

/** Domain-separated so a checkpoint signature can never be replayed as any other signed thing. */
export function checkpointMessage(c: Omit<AuditCheckpoint, 'signature'>): Buffer {
  return Buffer.from(`airlock-audit-checkpoint/v1\n${canonicalJson({ hash: c.hash, keyId: c.keyId, n: c.n, seq: c.seq, signedAt: c.signedAt })}`, 'utf8');
}

/** `ed25519:` + the first 16 hex digits of SHA-256 over the raw 32-byte public key: rotation needs no registry. */
export function keyIdOf(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('audit checkpoint keys must be Ed25519');
  return `ed25519:${createHash('sha256').update(Buffer.from(jwk.x, 'base64url')).digest('hex').slice(0, 16)}`;
}

export interface CheckpointSigner {
  keyId: string;
  sign(c: UnsignedCheckpoint): AuditCheckpoint;
}

/** From a PKCS#8 PEM private key (what `airlock audit keygen` writes). */
export function checkpointSigner(privateKeyPem: string): CheckpointSigner {
  const privateKey = createPrivateKey(privateKeyPem);
  const keyId = keyIdOf(createPublicKey(privateKey));
  return {
    keyId,
    sign(c) {
      const unsigned = { ...c, keyId };
      return { ...unsigned, signature: sign(null, checkpointMessage(unsigned), privateKey).toString('base64') };
    },
  };
}

/** Public keys by key id: every key that ever signed, so checkpoints from before a rotation still verify. */
export type CheckpointKeyring = ReadonlyMap<string, KeyObject>;

export function checkpointKeyring(publicKeyPems: readonly string[]): CheckpointKeyring {
  const keys = new Map<string, KeyObject>();
  for (const pem of publicKeyPems) {
    const key = createPublicKey(pem);
    keys.set(keyIdOf(key), key);
  }
  return keys;
}

export type SignatureCheck = 'valid' | 'unknown-key' | 'bad-signature';

export function checkCheckpointSignature(c: AuditCheckpoint, keyring: CheckpointKeyring): SignatureCheck {
  const key = keyring.get(c.keyId);
  if (!key) return 'unknown-key';
  const signature = Buffer.from(c.signature, 'base64');
  return verify(null, checkpointMessage(c), key, signature) ? 'valid' : 'bad-signature';
}

export function generateCheckpointKeyPair(): { privateKeyPem: string; publicKeyPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}
