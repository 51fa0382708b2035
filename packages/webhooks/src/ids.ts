import { randomInt } from 'node:crypto';

// Ids end up in audit payloads, which are redacted at write: a UUID's digit groups
// can pass for a card number (Luhn) and come back masked. This alphabet has too
// few digits for any run of them to look like one.
const ALPHABET = 'abcdefghjkmnpqrstvwxyz23456789';

function randomText(length: number): string {
  let text = '';
  for (let i = 0; i < length; i += 1) text += ALPHABET[randomInt(ALPHABET.length)];
  return text;
}

/** A subscription id: `whk_` and 16 characters. */
export const newWebhookId = (): string => `whk_${randomText(16)}`;
/** A delivery id: `dlv_` and 20 characters. */
export const newDeliveryId = (): string => `dlv_${randomText(20)}`;

export const WEBHOOK_ID_PATTERN = /^whk_[a-z0-9]{16}$/;
export const DELIVERY_ID_PATTERN = /^dlv_[a-z0-9]{20}$/;
/** An event id, the `webhook-id` header a receiver sees: `evt_<audit seq>_<n>`, or `ckpt_<n>` for a checkpoint (events.ts). */
export const EVENT_ID_PATTERN = /^(evt_\d+_\d+|ckpt_\d+)$/;
