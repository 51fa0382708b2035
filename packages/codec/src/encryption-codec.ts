import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
// @temporalio/proto is CommonJS without static named exports: take the namespace from its default export.
import proto from '@temporalio/proto';
import { KeyringError, PayloadDecryptionError } from './errors.js';
import { assertUsableKeyring, type Keyring } from './keyring.js';

const { temporal } = proto;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';

// Same wire format as Temporal's Go and Python encryption samples (Payload.encode, then
// nonce ‖ ciphertext ‖ tag), so their codec servers can decrypt Airlock histories for the Web UI.
const CIPHER = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * AES-256-GCM over the whole serialized payload (metadata included, so not even the
 * original encoding shows), a fresh random nonce per payload, the key id in clear
 * metadata. Decoding passes other payloads through untouched.
 */
export function createEncryptionCodec(keyring: Keyring): PayloadCodec {
  assertUsableKeyring(keyring);
  const keys = new Map<string, KeyObject>([...keyring.keys].map(([id, bytes]) => [id, createSecretKey(Buffer.from(bytes))]));
  const activeKey = keys.get(keyring.activeKeyId);
  if (!activeKey) throw new KeyringError(`invalid payload keyring: active key "${keyring.activeKeyId}" is not in the keyring`);
  const activeKeyIdBytes = utf8.encode(keyring.activeKeyId);
  const encryptedEncoding = utf8.encode(ENCRYPTED_ENCODING);

  return {
    async encode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((payload) => ({
        metadata: { [METADATA_ENCODING_KEY]: encryptedEncoding, [METADATA_KEY_ID]: activeKeyIdBytes },
        data: encrypt(temporal.api.common.v1.Payload.encode(payload).finish(), activeKey),
      }));
    },

    async decode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((payload) => {
        const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
        if (!encoding || fromUtf8.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
        const keyIdBytes = payload.metadata?.[METADATA_KEY_ID];
        if (!keyIdBytes) throw new PayloadDecryptionError(`encrypted payload has no "${METADATA_KEY_ID}" metadata`);
        const keyId = fromUtf8.decode(keyIdBytes);
        const key = keys.get(keyId);
        if (!key) {
          throw new PayloadDecryptionError(`payload was encrypted with key "${keyId}", which is not in the keyring (add it to AIRLOCK_PAYLOAD_KEYS)`, keyId);
        }
        const plaintext = decrypt(payload.data ?? new Uint8Array(), key, keyId);
        return temporal.api.common.v1.Payload.decode(plaintext);
      });
    },
  };
}

function encrypt(plaintext: Uint8Array, key: KeyObject): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
  return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function decrypt(data: Uint8Array, key: KeyObject, keyId: string): Uint8Array {
  if (data.length < NONCE_BYTES + TAG_BYTES) {
    throw new PayloadDecryptionError(`encrypted payload (key "${keyId}") is ${data.length} bytes, too short to hold a nonce and tag`, keyId);
  }
  const nonce = data.subarray(0, NONCE_BYTES);
  const tag = data.subarray(data.length - TAG_BYTES);
  const ciphertext = data.subarray(NONCE_BYTES, data.length - TAG_BYTES);
  const decipher = createDecipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (error) {
    throw new PayloadDecryptionError(
      `encrypted payload failed authentication with key "${keyId}": it was altered, or encrypted with a different key under the same id`,
      keyId,
      error,
    );
  }
}
