import { sha256Hex } from '@airlock/core/hashing';

// How an API key is stored: its hash only. An entry of its own (`@airlock/db/api-key-hash`) so that
// whoever looks a key up or mints one (the console's auth, ops' key use cases) loads no seed code.

export function hashApiKey(key: string): string {
  return sha256Hex(key);
}
