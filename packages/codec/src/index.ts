// @airlock/codec: encryption of Temporal payloads, so workflow histories hold no
// readable arguments, outputs or decisions. Node-only (node:crypto).

export { createEncryptionCodec, ENCRYPTED_ENCODING, METADATA_KEY_ID } from './encryption-codec.js';
export { dataConverterFor } from './data-converter.js';
export { KEY_BYTES, KeyringSpec, assertUsableKeyring, keyringEnv, parseKeyring, type Keyring, type KeyringEnv } from './keyring.js';
export { KeyringError, PayloadDecryptionError } from './errors.js';
