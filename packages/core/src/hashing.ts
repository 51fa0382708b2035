import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

// Node-only helpers, exported as `@airlock/core/hashing` so workflow code never pulls in node:crypto.

export function sha256Hex(text: string): string {
  // One-shot crypto.hash: about twice as fast as createHash for short inputs (audit verification hashes every row).
  return hash('sha256', text, 'hex');
}

/** The hash an approval is bound to: any change to the arguments changes it. */
export function argsHash(args: unknown): string {
  return sha256Hex(canonicalJson(args));
}

/**
 * The action id for an (installation, agent, idempotency key) triple: asking twice
 * yields the same id, hence the same workflow id, so the tool can never run twice.
 * The installation is its task queue, so two Airlocks sharing a Temporal namespace
 * never collide on workflow ids.
 */
export function deriveActionId(taskQueue: string, agentId: string, idempotencyKey: string): string {
  const h = sha256Hex(`airlock/action/v2\n${taskQueue}\n${agentId}\n${idempotencyKey}`);
  // Shaped as a UUID (version nibble 5-like) for readability in URLs and logs.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}
