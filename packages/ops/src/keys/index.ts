export { mintKey, MintKeyInput } from './mint-key.js';
export { rotateKey, RotateKeyInput } from './rotate-key.js';
export { revokeKey, RevokeKeyInput } from './revoke-key.js';
export { listKeys } from './list-keys.js';
export type { KeyRecord, MintedKey } from './key-row.js';
