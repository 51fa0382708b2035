import { ValueError } from '@temporalio/common';

/** A payload could not be decrypted: unknown key, missing metadata, or failed authentication. */
export class PayloadDecryptionError extends ValueError {
  override name = 'PayloadDecryptionError';
  constructor(
    message: string,
    /** The key id the payload names, when it names one. */
    public readonly keyId?: string,
    cause?: unknown,
  ) {
    super(message, cause);
  }
}

/** A keyring spec or keyring is unusable; the message names the key and the problem, never key material. */
export class KeyringError extends Error {
  override name = 'KeyringError';
}
