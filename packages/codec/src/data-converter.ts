import type { DataConverter } from '@temporalio/common';
import { createEncryptionCodec } from './encryption-codec.js';
import type { Keyring } from './keyring.js';

/**
 * The data converter for workers and clients alike (they must agree): payload
 * encryption when a keyring is configured, Temporal's defaults when not.
 */
export function dataConverterFor(keyring: Keyring | undefined): DataConverter {
  return keyring ? { payloadCodecs: [createEncryptionCodec(keyring)] } : {};
}
